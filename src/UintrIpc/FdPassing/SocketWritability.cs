using System.Net.Sockets;
using UintrIpc.Interop;

namespace UintrIpc.FdPassing;

/// <summary>
/// Waits, without holding a thread per wait, until sockets can take more data. .NET has no
/// asynchronous "wait until writable" for a socket, and a descriptor must ride on a
/// <c>sendmsg</c> the library makes itself, so one background thread per process sleeps in
/// <c>poll</c> on every socket some asynchronous send waits for (started at the first such wait).
/// </summary>
internal static class SocketWritability
{
    private static readonly Lock s_lock = new();
    private static readonly List<Waiter> s_waiters = [];
    private static int s_wakeFd = -1;
    private const int DisposedCheckMs = 1000;

    /// <summary>
    /// Completes when <paramref name="socket"/> polls writable (or in error: the next send says
    /// what is wrong). The socket cannot be closed and its number reused while the wait lasts.
    /// </summary>
    public static Task WaitAsync(Socket socket, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = new Waiter(socket.SafeHandle);
        lock (s_lock)
        {
            EnsureStarted();
            s_waiters.Add(waiter);
            _ = Shim.EventfdSignal(s_wakeFd);
        }
        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                if (Finish(waiter))
                    waiter.Completion.TrySetCanceled(cancellationToken);
            });
            waiter.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return waiter.Completion.Task;
    }

    /// <summary>Starts the poll thread and opens its wake eventfd, once per process.</summary>
    internal static void EnsureStarted()
    {
        lock (s_lock)
        {
            if (s_wakeFd >= 0)
                return;
            s_wakeFd = Errno.Check(Shim.Eventfd(), "eventfd");
            new Thread(Run) { IsBackground = true, Name = "UintrIpc socket writability" }.Start();
        }
    }

    /// <summary>Takes the waiter off the list and releases its socket; false when already finished.</summary>
    private static bool Finish(Waiter waiter)
    {
        lock (s_lock)
        {
            if (!s_waiters.Remove(waiter))
                return false;
            _ = Shim.EventfdSignal(s_wakeFd); // the poll thread drops the socket from its set
        }
        waiter.Release();
        return true;
    }

    private static void Run()
    {
        while (true)
        {
            Waiter[] waiters;
            int wakeFd;
            lock (s_lock)
            {
                waiters = [.. s_waiters];
                wakeFd = s_wakeFd;
            }
            // The refs each Waiter holds keep its descriptor number valid until Finish.
            var sockets = new int[waiters.Length];
            for (int i = 0; i < waiters.Length; i++)
                sockets[i] = waiters[i].Fd;
            var ready = new bool[waiters.Length + 1];
            // A socket disposed while its send waits stays open (the waiter's ref) and may never
            // turn writable: while anything waits, look at the handles once a second.
            if (SocketCalls.PollWritable(wakeFd, sockets, ready, waiters.Length == 0 ? -1 : DisposedCheckMs) < 0)
                continue; // EINTR
            if (ready[0])
                _ = Shim.EventfdDrain(wakeFd);
            for (int i = 0; i < waiters.Length; i++)
            {
                if (waiters[i].SocketDisposed && Finish(waiters[i]))
                    waiters[i].Completion.TrySetException(new ObjectDisposedException(typeof(Socket).FullName));
                else if (ready[i + 1] && Finish(waiters[i]))
                    waiters[i].Completion.TrySetResult();
            }
        }
    }

    private sealed class Waiter
    {
        private readonly SafeHandle _socket;
        private bool _added;

        public Waiter(SafeHandle socket)
        {
            _socket = socket;
            socket.DangerousAddRef(ref _added);
            Fd = (int)socket.DangerousGetHandle();
        }

        public int Fd { get; }

        /// <summary>Disposed by its owner; the descriptor closes when the waiter lets go.</summary>
        public bool SocketDisposed => _socket.IsClosed;

        /// <summary>Continuations run on the thread pool, never on the poll thread.</summary>
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release()
        {
            if (_added)
                _socket.DangerousRelease();
            _added = false;
        }
    }
}
