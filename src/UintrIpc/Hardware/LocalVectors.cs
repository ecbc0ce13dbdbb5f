using UintrIpc.Interop;

namespace UintrIpc.Hardware;

/// <summary>
/// The native vectors this process's receivers hold open, so that a sender in the same process
/// learns when one closes: the kernel tells no sender (a SENDUIPI to a closed vector succeeds and
/// is dropped), but a close in this process can be reported as the futex path reports it,
/// ECONNRESET. A sender's descriptor matches a vector when it is the same open file description
/// (the receiver's own handle, a dup, or a copy passed over a socket within the process).
/// </summary>
internal static class LocalVectors
{
    private static readonly Lock s_lock = new();
    private static readonly List<OpenVector> s_open = [];

    /// <summary>A receiver opened <paramref name="fd"/> (its own reference to a vector).</summary>
    public static void Opened(SafeFileDescriptorHandle fd)
    {
        lock (s_lock)
            s_open.Add(new OpenVector(fd));
    }

    /// <summary>
    /// The receiver closes its reference <paramref name="fd"/>; call before disposing it. Tells
    /// every sender watching it.
    /// </summary>
    public static void Closing(SafeFileDescriptorHandle fd)
    {
        OpenVector? closing;
        lock (s_lock)
        {
            int at = s_open.FindIndex(v => ReferenceEquals(v.Fd, fd));
            if (at < 0)
                return;
            closing = s_open[at];
            s_open.RemoveAt(at);
        }
        foreach (Action onClose in closing.TakeWatchers())
            onClose();
    }

    /// <summary>
    /// Calls <paramref name="onClose"/> once when the receiver in this process that owns
    /// <paramref name="senderFd"/>'s vector closes it; dispose the result to stop watching. A
    /// descriptor of another process's receiver gives a watch that never fires.
    /// </summary>
    public static IDisposable Watch(SafeFileDescriptorHandle senderFd, Action onClose)
    {
        lock (s_lock)
        {
            // Under the lock every listed handle is open: Closing removes it before it is disposed.
            foreach (OpenVector vector in s_open)
            {
                if (ReferenceEquals(vector.Fd, senderFd) || Shim.SameFile(vector.Fd.Fd, senderFd.Fd) == 1)
                    return vector.Add(onClose);
            }
        }
        return NoWatch.Instance;
    }

    private sealed class OpenVector(SafeFileDescriptorHandle fd)
    {
        private readonly Lock _lock = new();
        private List<Action>? _watchers = [];

        public SafeFileDescriptorHandle Fd { get; } = fd;

        public IDisposable Add(Action onClose)
        {
            lock (_lock)
            {
                _watchers?.Add(onClose);
                return new Watcher(this, onClose);
            }
        }

        public List<Action> TakeWatchers()
        {
            lock (_lock)
            {
                List<Action> watchers = _watchers ?? [];
                _watchers = null;
                return watchers;
            }
        }

        public void Remove(Action onClose)
        {
            lock (_lock)
                _watchers?.Remove(onClose);
        }
    }

    private sealed class Watcher(OpenVector vector, Action onClose) : IDisposable
    {
        public void Dispose() => vector.Remove(onClose);
    }

    private sealed class NoWatch : IDisposable
    {
        public static readonly NoWatch Instance = new();

        public void Dispose() { }
    }
}
