using System.Runtime.ExceptionServices;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Latency;

/// <summary>
/// A thread that runs what it is handed, one item at a time, for a mechanism whose state belongs
/// to a thread: a native uintr receiver is its registering thread's (one per thread), so each
/// native mechanism gets its own. An item runs with the caller's CPU affinity, so pinning still
/// holds; the thread's CPU clock is read at the end of each item, for <see cref="CpuNs"/>.
/// </summary>
internal sealed class OwnedThread : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _work = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private Action? _item;
    private ulong _affinity;
    private ExceptionDispatchInfo? _failure;
    private long _cpuNs;
    private bool _stopping;

    public OwnedThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The thread's CPU time as of the end of its last item.</summary>
    public long CpuNs => Volatile.Read(ref _cpuNs);

    /// <summary>Runs <paramref name="item"/> on the thread and waits for it; rethrows what it threw.</summary>
    public void Run(Action item)
    {
        _item = item;
        _affinity = Affinity.OfCurrentThread();
        _work.Release();
        _done.Wait();
        ExceptionDispatchInfo? failure = Interlocked.Exchange(ref _failure, null);
        failure?.Throw();
    }

    /// <summary>Runs <paramref name="function"/> on the thread and returns its result.</summary>
    public T Run<T>(Func<T> function)
    {
        T result = default!;
        Run(() => { result = function(); });
        return result;
    }

    private void Loop()
    {
        ulong affinity = 0;
        while (true)
        {
            _work.Wait();
            if (_stopping)
                return;
            try
            {
                if (_affinity != affinity)
                    Affinity.SetCurrentThread(affinity = _affinity);
                _item!();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            Volatile.Write(ref _cpuNs, CpuClock.ThreadNowNs());
            _done.Release();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _work.Release();
        _thread.Join();
        _work.Dispose();
        _done.Dispose();
    }
}
