using UintrIpc.Engine;
using UintrIpc.Interop;

namespace UintrIpc.Liveness;

/// <summary>
/// Tells senders when the receiver process behind a pidfd exits: a registration of the
/// <see cref="PollEngine"/> per watched pidfd. The send path never makes a system call for
/// this: it reads a flag the completion sets.
/// </summary>
internal static unsafe class ProcessWatcher
{
    /// <summary>Whether the process behind <paramref name="pidfd"/> has already exited.</summary>
    public static bool HasExited(SafeFileDescriptorHandle pidfd)
    {
        int fd = pidfd.Fd;
        byte ready;
        return Shim.PollReadable(&fd, &ready, 1, 0) > 0 && ready != 0;
    }

    /// <summary>Runs <paramref name="onExit"/> once, on the poll engine's thread, when the process exits.</summary>
    /// <returns>Undoes the watch; the pidfd stays open until then even if its owner closes it.</returns>
    public static IDisposable Watch(SafeFileDescriptorHandle pidfd, Action onExit)
    {
        var watch = new ExitWatch(pidfd, onExit);
        PollEngine.Add(watch);
        return watch;
    }

    private sealed class ExitWatch : PollRegistration, IDisposable
    {
        private readonly SafeFileDescriptorHandle _pidfd;
        private readonly Action _onExit;
        private int _released;

        public ExitWatch(SafeFileDescriptorHandle pidfd, Action onExit)
        {
            bool added = false;
            pidfd.DangerousAddRef(ref added); // the number stays valid until Release
            _pidfd = pidfd;
            _onExit = onExit;
        }

        internal override int Fd => _pidfd.Fd;

        internal override bool ForWriting => false;

        protected internal override void Complete(bool ready)
        {
            Release();
            _onExit();
        }

        public void Dispose()
        {
            if (PollEngine.Remove(this))
                Release();
        }

        private void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                _pidfd.DangerousRelease();
        }
    }
}
