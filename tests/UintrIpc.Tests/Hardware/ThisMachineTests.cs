using UintrIpc.Delivery;
using UintrIpc.Detection;
using UintrIpc.Interop;
using UintrIpc.Hardware;
using Xunit.Abstractions;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// The real machine: detection agrees with CPUID and /proc/cpuinfo, and where UINTR is missing
/// (this AMD EPYC VM with a mainline kernel) the runtime falls back to the futex path, refuses
/// Native with EOPNOTSUPP, and the hardware-only classes refuse to construct without executing
/// anything native.
/// </summary>
public sealed class ThisMachineTests(ITestOutputHelper output)
{
    private static readonly bool s_machineHasUintr = HardwareFacts.RealCpuUintrBit() && HardwareFacts.RealKernelUintrFlag();

    [Fact]
    public void The_report_describes_this_machine()
    {
        string report = UintrCapabilities.Current.ToString();
        output.WriteLine(report);
        Assert.StartsWith("UintrIpc capabilities", report);
        Assert.Contains($"automatic mode: {UintrCapabilities.Current.AutomaticMode}", report);
        Assert.Contains(UintrCapabilities.Current.Reason, report);
        Assert.Contains(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), report);
    }

    [Fact]
    public void CpuSupportsUintr_matches_the_real_CPUID_bit()
    {
        Assert.Equal(HardwareFacts.RealCpuUintrBit(), UintrCapabilities.Current.CpuSupportsUintr);
    }

    [Fact]
    public void KernelSupportsUintr_matches_the_real_cpuinfo_flag()
    {
        Assert.Equal(HardwareFacts.RealKernelUintrFlag(), UintrCapabilities.Current.KernelSupportsUintr);
    }

    [Fact]
    public void Current_is_detected_once()
    {
        Assert.Same(UintrCapabilities.Current, UintrCapabilities.Current);
        UintrCapabilities[] seen = new UintrCapabilities[8];
        Parallel.For(0, seen.Length, i => seen[i] = UintrCapabilities.Current);
        Assert.All(seen, c => Assert.Same(UintrCapabilities.Current, c));
    }

    [Fact]
    public void Current_agrees_with_a_fresh_detection_of_the_same_facts()
    {
        UintrCapabilities fresh = UintrCapabilities.Detect(PlatformFacts.Read());
        UintrCapabilities current = UintrCapabilities.Current;
        Assert.Equal(fresh.NativeAvailable, current.NativeAvailable);
        Assert.Equal(fresh.AutomaticMode, current.AutomaticMode);
        Assert.Equal(fresh.Reason, current.Reason);
    }

    [Fact]
    public void Without_UINTR_the_automatic_mode_is_the_futex_path_and_the_reason_says_why()
    {
        UintrCapabilities caps = UintrCapabilities.Current;
        if (s_machineHasUintr)
        {
            Assert.True(caps.CpuSupportsUintr && caps.KernelSupportsUintr, caps.ToString());
            return;
        }
        Assert.False(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.StartsWith("Futex path:", caps.Reason);
        Assert.Contains(caps.CpuSupportsUintr ? "kernel support" : "CPU support", caps.Reason);
        Assert.Contains("native path:    not available", caps.ToString());
    }

    [Fact]
    public void Without_UINTR_asking_for_Native_is_EOPNOTSUPP_naming_what_is_missing()
    {
        if (s_machineHasUintr)
            return; // covered by HardwareInstructionTests there
        var e = Assert.Throws<UintrException>(() => UintrCapabilities.ResolveMode(UintrMode.Native));
        Assert.Equal(95, e.Errno);
        Assert.Contains("not available", e.Message);
        Assert.Contains(UintrCapabilities.Current.CpuSupportsUintr ? "kernel support" : "CPU support", e.Message);
        Assert.Equal(UintrMode.Futex, UintrCapabilities.ResolveMode(null));
        Assert.Equal(UintrMode.Futex, UintrCapabilities.ResolveMode(UintrMode.Futex));
    }

    [Fact]
    public void Without_UINTR_HardwareReceiverPath_refuses_with_EOPNOTSUPP_before_anything_native()
    {
        if (UintrCapabilities.Current.NativeAvailable)
            return; // constructing it is HardwareInstructionTests' job
        var e = Assert.Throws<UintrException>(() => new HardwareReceiverPath());
        Assert.Equal(95, e.Errno);
        Assert.Contains("HardwareReceiverPath is hardware-only", e.Message);
        Assert.Contains("missing", e.Message);
        // No handler was registered on this thread (registering sets the shim's thread pointer).
        Assert.Equal(0, Shim.UintrCurrent());
    }

    [Fact]
    public void Without_UINTR_HardwareSender_refuses_with_EOPNOTSUPP_and_leaves_the_descriptor_alone()
    {
        if (UintrCapabilities.Current.NativeAvailable)
            return;
        int raw = LibC.eventfd(0, LibC.O_CLOEXEC);
        Assert.True(raw >= 0);
        using var fd = new SafeFileDescriptorHandle(raw);
        var e = Assert.Throws<UintrException>(() => new HardwareSender(fd));
        Assert.Equal(95, e.Errno);
        Assert.Contains("HardwareSender is hardware-only", e.Message);
        Assert.False(fd.IsClosed);
        Assert.True(LibC.fcntl(raw, LibC.F_GETFD, 0) >= 0);
        // The reference count is untouched: disposing closes the descriptor.
        fd.Dispose();
        Assert.Equal(-1, LibC.fcntl(raw, LibC.F_GETFD, 0));
    }

    [Fact]
    public void The_shim_library_loads_with_its_initial_exec_TLS()
    {
        // uintr_hw.c keeps the handler's receiver pointer in initial-exec TLS so the
        // handler needs no call; a dlopen'd library with it needs static TLS space. Reading
        // the (never set) pointer proves the library loaded with it.
        Assert.Equal(0, Shim.UintrCurrent());
    }
}
