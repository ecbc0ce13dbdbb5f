using UintrIpc.Interop;

namespace UintrIpc.Liveness;

/// <summary>
/// One background thread per process that sleeps in <c>poll</c> on the pidfds of every
/// receiver process some sender watches, and tells those senders when the process exits.
/// The send path never makes a system call for this: it reads a flag the thread sets.
/// </summary>
internal static unsafe class ProcessWatcher
{
    private static readonly Lock s_lock = new();
    private static readonly List<(SafeFileDescriptorHandle Pidfd, Action OnExit)> s_watches = [];
    private static int s_wakeFd = -1;

    /// <summary>Whether the process behind <paramref name="pidfd"/> has already exited.</summary>
    public static bool HasExited(SafeFileDescriptorHandle pidfd)
    {
        int fd = pidfd.Fd;
        byte ready;
        return Shim.PollReadable(&fd, &ready, 1, 0) > 0 && ready != 0;
    }

    /// <summary>Runs <paramref name="onExit"/> once, on the watcher thread, when the process exits.</summary>
    /// <returns>Undoes the watch; the pidfd stays open until then even if its owner closes it.</returns>
    public static IDisposable Watch(SafeFileDescriptorHandle pidfd, Action onExit)
    {
        bool added = false;
        pidfd.DangerousAddRef(ref added);
        var watch = (pidfd, onExit);
        lock (s_lock)
        {
            if (s_wakeFd < 0)
            {
                s_wakeFd = Errno.Check(Shim.Eventfd(), "eventfd");
                new Thread(Run) { IsBackground = true, Name = "UintrIpc process watcher" }.Start();
            }
            s_watches.Add(watch);
            Shim.EventfdSignal(s_wakeFd);
        }
        return new Unwatch(watch);
    }

    private static void Remove((SafeFileDescriptorHandle Pidfd, Action OnExit) watch)
    {
        lock (s_lock)
        {
            if (!s_watches.Remove(watch))
                return;
        }
        watch.Pidfd.DangerousRelease();
    }

    private static void Run()
    {
        while (true)
        {
            (SafeFileDescriptorHandle Pidfd, Action OnExit)[] watches;
            int wakeFd;
            lock (s_lock)
            {
                watches = [.. s_watches];
                wakeFd = s_wakeFd;
            }
            // The refs taken in Watch keep every descriptor number valid until Remove.
            var fds = new int[watches.Length + 1];
            var ready = new byte[fds.Length];
            fds[0] = wakeFd;
            for (int i = 0; i < watches.Length; i++)
                fds[i + 1] = watches[i].Pidfd.Fd;
            fixed (int* f = fds)
            fixed (byte* r = ready)
            {
                if (Shim.PollReadable(f, r, (uint)fds.Length, -1) < 0)
                    continue; // EINTR
            }
            if (ready[0] != 0)
                Shim.EventfdDrain(wakeFd);
            for (int i = 0; i < watches.Length; i++)
            {
                if (ready[i + 1] != 0)
                {
                    Remove(watches[i]);
                    watches[i].OnExit();
                }
            }
        }
    }

    private sealed class Unwatch((SafeFileDescriptorHandle, Action) watch) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Remove(watch);
                lock (s_lock)
                    Shim.EventfdSignal(s_wakeFd);
            }
        }
    }
}
