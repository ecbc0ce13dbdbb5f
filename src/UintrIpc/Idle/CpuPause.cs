using System.Runtime.Intrinsics.X86;

namespace UintrIpc.Idle;

/// <summary>The pause of every spin loop here: one PAUSE instruction between two polls.</summary>
/// <remarks>
/// <see cref="Thread.SpinWait(int)"/> with 1 costs more than one PAUSE (the runtime scales it
/// by a calibrated factor), and the time a spinner takes to see a post is one poll plus one pause.
/// </remarks>
internal static class CpuPause
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Once()
    {
        if (X86Base.IsSupported)
            X86Base.Pause();
        else
            Thread.SpinWait(1);
    }
}
