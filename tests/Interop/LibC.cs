using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

/// <summary>
/// libc as any program outside the library would call it: the tests' hostile holders and
/// descriptor checks, the bench's baselines (eventfd, pipes, futexes) and its clocks. One file per
/// C header, C names, as Tmds.LibC lays them out; linked as source into each project that needs it
/// (tests/UintrIpc.Tests, bench/UintrIpc.Latency). The library declares its own calls under
/// src/UintrIpc/Interop and never uses these.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";
}
