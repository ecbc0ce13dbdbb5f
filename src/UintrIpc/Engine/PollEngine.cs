using UintrIpc.Interop;

namespace UintrIpc.Engine;

/// <summary>
/// The one engine that sleeps in <c>poll</c> for descriptors of the process: the pidfds of
/// receiver processes senders watch, and the sockets asynchronous descriptor sends wait on to
/// turn writable (.NET has no asynchronous "wait until writable", and a descriptor must ride on
/// a <c>sendmsg</c> the library makes itself). One thread, started at the first registration
/// with the execution context suppressed, failing fast on an exception it did not expect; an
/// eventfd wakes it when registrations change. It sleeps without a timeout unless a registration
/// needs a periodic look (<see cref="PollRegistration.NeedsRecheck"/>): idle, it spends no CPU.
/// </summary>
/// <remarks>
/// <c>poll</c> rather than epoll: the sets are small (a sender per receiver process, a send per
/// full socket), change at every wait, and a rebuilt array costs less than epoll_ctl calls.
/// Completions are the library's own short ones (a flag, a TaskCompletionSource whose
/// continuations run asynchronously), so they run on the engine thread.
/// </remarks>
internal static class PollEngine
{
    /// <summary>How often, at most, <see cref="PollRegistration.Abandoned"/> waits to be looked at.</summary>
    internal static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private static readonly Lock s_lock = new();
    private static readonly List<PollRegistration> s_registrations = [];
    private static int s_wakeFd = -1;

    /// <summary>Watches <paramref name="registration"/> until its completion runs or it is removed.</summary>
    public static void Add(PollRegistration registration)
    {
        lock (s_lock)
        {
            EnsureStarted();
            s_registrations.Add(registration);
            _ = Shim.EventfdSignal(s_wakeFd);
        }
    }

    /// <summary>Stops watching; false when the completion already runs or ran. After true the engine no longer polls the descriptor.</summary>
    public static bool Remove(PollRegistration registration)
    {
        lock (s_lock)
        {
            if (!s_registrations.Remove(registration))
                return false;
            _ = Shim.EventfdSignal(s_wakeFd); // the thread drops the descriptor from its set
            return true;
        }
    }

    /// <summary>Starts the thread and opens its wake eventfd, once per process.</summary>
    internal static void EnsureStarted()
    {
        lock (s_lock)
        {
            if (s_wakeFd >= 0)
                return;
            s_wakeFd = Errno.Check(Shim.Eventfd(), "eventfd");
            new Thread(Run) { IsBackground = true, Name = "UintrIpc poll engine" }.UnsafeStart();
        }
    }

    private static void Run()
    {
        try
        {
            Loop();
        }
        catch (Exception e)
        {
            Environment.FailFast("UintrIpc poll engine: the poll thread failed; process exits and socket writability can no longer be reported.", e);
        }
    }

    private static void Loop()
    {
        while (true)
        {
            PollRegistration[] registrations;
            int wakeFd;
            lock (s_lock)
            {
                registrations = [.. s_registrations];
                wakeFd = s_wakeFd;
            }
            var fds = new int[registrations.Length];
            var forWriting = new bool[registrations.Length];
            bool recheck = false;
            for (int i = 0; i < registrations.Length; i++)
            {
                fds[i] = registrations[i].Fd;
                forWriting[i] = registrations[i].ForWriting;
                recheck |= registrations[i].NeedsRecheck;
            }
            var ready = new bool[registrations.Length + 1];
            if (SocketCalls.Poll(wakeFd, fds, forWriting, ready, recheck ? (int)RecheckInterval.TotalMilliseconds : -1) < 0)
                continue; // EINTR
            if (ready[0])
                _ = Shim.EventfdDrain(wakeFd);
            for (int i = 0; i < registrations.Length; i++)
            {
                PollRegistration registration = registrations[i];
                if (ready[i + 1] && Remove(registration))
                    registration.Complete(ready: true);
                else if (registration.NeedsRecheck && registration.Abandoned && Remove(registration))
                    registration.Complete(ready: false);
            }
        }
    }
}
