using System.Net.Sockets;
using System.Runtime.CompilerServices;
using UintrIpc.Latency.Primitives;
using UintrIpc.TestInterop;

namespace UintrIpc.Latency;

/// <summary>The child process (<see cref="LatencyHarness.TryRunChild"/>): answers every ping of every slice the parent asks for.</summary>
internal static class LatencyChild
{
    public static int Run(string socketName, bool pin, TimeSpan uintrSpin)
    {
        // Blocked in a read of a blocking mechanism, the child would outlive a parent that crashed.
        if (!DieWithParent())
            return 3;

        using var control = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        control.Connect(Control.Address(socketName));
        if (pin)
            Affinity.PinCurrentThread(1);
        Mechanism[] mechanisms = MechanismCatalog.OpenAll(control, parent: false, uintrSpin);
        try
        {
            while (Control.ReadCommand(control) is (var index, > 0 and var rounds))
                Control.WriteSliceReport(control, Answer(mechanisms[index], rounds));
        }
        finally
        {
            foreach (Mechanism mechanism in mechanisms)
                mechanism.Dispose();
        }
        return 0;
    }

    /// <summary>The CPU burner of <see cref="LatencySettings.Contend"/>: spins, unpinned, until the parent kills it (or dies).</summary>
    public static int Hog()
    {
        if (!DieWithParent())
            return 3;
        Affinity.UnpinCurrentThread(); // started by the pinned ping-pong thread, it inherited its CPU
        long n = 0;
        while (true)
            Volatile.Write(ref n, n + 1);
    }

    private static bool DieWithParent()
    {
        int parentPid = LibC.getppid();
        _ = LibC.prctl(LibC.PR_SET_PDEATHSIG, LibC.SIGKILL, 0, 0, 0);
        return LibC.getppid() == parentPid; // else the parent died before the prctl
    }

    /// <summary>
    /// Answers <paramref name="rounds"/> pings; counts CPU and sleeps after the first, untimed one,
    /// as the parent does. Fully optimized from its first call, like the parent's timed loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static SliceReport Answer(Mechanism mechanism, int rounds)
    {
        mechanism.Pong();
        long sleeps = mechanism.Sleeps;
        long start = mechanism.CpuNowNs();
        if (mechanism.RunsSlices)
            mechanism.Answer(rounds - 1);
        else
        {
            for (int i = 1; i < rounds; i++)
                mechanism.Pong();
        }
        return new(mechanism.CpuNowNs() - start, mechanism.Sleeps - sleeps);
    }
}
