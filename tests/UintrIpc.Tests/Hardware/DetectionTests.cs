using UintrIpc.Detection;
using UintrIpc.Hardware;
using static UintrIpc.Tests.Hardware.HardwareFacts;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// Detection as a pure function of injected facts: it needs the CPU bit, the kernel's cpuinfo
/// flag and a syscall table it can stand behind, and says which is missing.
/// </summary>
public sealed class DetectionTests
{
    [Fact]
    public void Cpu_bit_off_means_no_native_path_and_names_the_CPU()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(cpu: false));
        Assert.False(caps.CpuSupportsUintr);
        Assert.True(caps.KernelSupportsUintr);
        Assert.False(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.StartsWith("Futex path:", caps.Reason);
        Assert.Contains("CPU support", caps.Reason);
        Assert.Contains("EDX bit 5", caps.Reason);
        Assert.DoesNotContain("kernel support", caps.Reason);
    }

    [Fact]
    public void Cpu_bit_on_without_the_kernel_flag_means_no_native_path_and_names_the_kernel()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(kernel: false, release: "6.18.44-fc-v595"));
        Assert.True(caps.CpuSupportsUintr);
        Assert.False(caps.KernelSupportsUintr);
        Assert.Null(caps.SyscallTable);
        Assert.False(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.Contains("kernel support", caps.Reason);
        Assert.Contains("no 'uintr' flag in /proc/cpuinfo", caps.Reason);
        Assert.Contains("6.18.44-fc-v595", caps.Reason);
        Assert.Contains("a syscall table", caps.Reason);
        Assert.DoesNotContain("CPU support", caps.Reason);
    }

    [Fact]
    public void Cpu_and_kernel_on_an_RFC_era_kernel_get_the_RFC_v1_table_by_default()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine());
        Assert.True(caps.CpuSupportsUintr);
        Assert.True(caps.KernelSupportsUintr);
        Assert.Equal(UintrSyscallTable.RfcV1, caps.SyscallTable);
        Assert.Equal(new UintrSyscallTable(449, 450, 451, 452, 453, 454), caps.SyscallTable);
        Assert.Equal(UintrSyscallAbi.RfcV1, caps.SyscallTable!.Abi);
        Assert.True(caps.NativeAvailable);
        Assert.Equal(UintrMode.Native, caps.AutomaticMode);
        Assert.StartsWith("Native path:", caps.Reason);
        Assert.Contains("RFC v1 default", caps.Reason);
    }

    [Theory]
    [InlineData("5.16.0")]
    [InlineData("6.0.0-uintr-next+")]
    [InlineData("6.18.44-fc-v595")]
    public void Cpu_and_kernel_on_a_kernel_where_449_is_futex_waitv_get_no_default_table(string release)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(release: release));
        Assert.True(caps.CpuSupportsUintr);
        Assert.True(caps.KernelSupportsUintr);
        Assert.Null(caps.SyscallTable);
        Assert.False(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.Contains("a syscall table", caps.Reason);
        Assert.Contains("futex_waitv", caps.Reason);
        Assert.Contains("UINTR_IPC_SYSCALLS", caps.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-release")]
    public void Cpu_and_kernel_with_an_unreadable_release_get_no_default_table(string? release)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(release: release));
        Assert.Null(caps.SyscallTable);
        Assert.False(caps.NativeAvailable);
        Assert.Contains("UINTR_IPC_SYSCALLS", caps.Reason);
    }

    [Fact]
    public void A_custom_table_from_UINTR_IPC_SYSCALLS_is_used_on_any_kernel_that_advertises_uintr()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(release: "6.1.0-uintr", syscalls: "471, 472,473,474,475,476,uintr-next"));
        Assert.Equal(new UintrSyscallTable(471, 472, 473, 474, 475, 476) { Abi = UintrSyscallAbi.UintrNext }, caps.SyscallTable);
        Assert.True(caps.NativeAvailable);
        Assert.Equal(UintrMode.Native, caps.AutomaticMode);
        Assert.Contains("UINTR_IPC_SYSCALLS=", caps.Reason);
    }

    [Fact]
    public void A_custom_table_overrides_the_RFC_default()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(syscalls: "460,461,462,463,464,465"));
        Assert.Equal(new UintrSyscallTable(460, 461, 462, 463, 464, 465), caps.SyscallTable);
        Assert.Equal(UintrSyscallAbi.RfcV1, caps.SyscallTable!.Abi);
        Assert.True(caps.NativeAvailable);
    }

    [Theory]
    [InlineData("449,450")]
    [InlineData("449,450,451,452,453,x")]
    [InlineData("449,450,451,452,453,454,455,456")]
    [InlineData("449,450,451,452,453,-454")]
    [InlineData("449,449,451,452,453,454")]
    [InlineData("449,450,451,452,453,454,rfc-v2")]
    [InlineData("yes")]
    public void A_malformed_UINTR_IPC_SYSCALLS_is_reported_and_disables_the_native_path(string syscalls)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(syscalls: syscalls));
        Assert.True(caps.CpuSupportsUintr);
        Assert.True(caps.KernelSupportsUintr);
        Assert.Null(caps.SyscallTable);
        Assert.True(caps.SyscallTableMalformed);
        Assert.False(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.Contains("UINTR_IPC_SYSCALLS=", caps.Reason);
        Assert.Contains("is malformed", caps.Reason);
        Assert.Contains("is malformed", caps.ToString());
    }

    [Fact]
    public void A_configured_table_without_the_kernel_flag_is_kept_but_not_trusted()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(kernel: false, release: "6.18.0", syscalls: "rfc-v1"));
        Assert.Equal(UintrSyscallTable.RfcV1, caps.SyscallTable);
        Assert.False(caps.NativeAvailable);
        Assert.Contains("kernel support", caps.Reason);
        Assert.DoesNotContain("a syscall table", caps.Reason);
    }

    [Fact]
    public void A_non_x86_process_never_gets_the_native_path()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(x64: false, syscalls: "rfc-v1"));
        Assert.False(caps.CpuSupportsUintr);
        Assert.False(caps.KernelSupportsUintr);
        Assert.False(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.Contains("x86-64 process", caps.Reason);
    }

    [Fact]
    public void Unavailable_CPUID_counts_as_no_CPU_support()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine() with { CpuidLeaf7Edx = null });
        Assert.False(caps.CpuSupportsUintr);
        Assert.Contains("CPUID leaf 7 is not available", caps.Reason);
    }

    [Fact]
    public void Unreadable_cpuinfo_counts_as_no_kernel_support()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine() with { CpuInfoFlags = null });
        Assert.False(caps.KernelSupportsUintr);
        Assert.Contains("/proc/cpuinfo is unreadable", caps.Reason);
    }

    [Theory]
    [InlineData("fpu uintr_foo vme")]
    [InlineData("fpu xuintr vme")]
    [InlineData("fpu UINTR vme")]
    [InlineData("")]
    public void Only_the_exact_uintr_flag_counts(string flags)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine() with { CpuInfoFlags = flags });
        Assert.False(caps.KernelSupportsUintr);
        Assert.False(caps.NativeAvailable);
    }

    [Fact]
    public void Every_missing_piece_is_named_at_once()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(cpu: false, kernel: false, release: "6.18.44"));
        Assert.Contains("CPU support", caps.Reason);
        Assert.Contains("kernel support", caps.Reason);
        Assert.Contains("a syscall table", caps.Reason);
    }

    [Fact]
    public void ToString_is_a_multi_line_report_of_every_fact()
    {
        string report = UintrCapabilities.Detect(Machine(cpu: false, release: "6.18.44-fc-v595", mode: "futex")).ToString();
        string[] lines = report.Split('\n');
        Assert.True(lines.Length >= 8, report);
        Assert.Contains("CPU UINTR:      no", report);
        Assert.Contains("bit 5 = 0", report);
        Assert.Contains("kernel UINTR:   yes", report);
        Assert.Contains("6.18.44-fc-v595", report);
        Assert.Contains("syscall table:  none", report);
        Assert.Contains("UINTR_IPC_MODE: 'futex'", report);
        Assert.Contains("native path:    not available", report);
        Assert.Contains("automatic mode: Futex", report);
        Assert.Contains("reason:         Futex path:", report);
    }

    [Theory]
    [InlineData("6.18.44-fc-v595", 6, 18)]
    [InlineData("5.14.0-rc7+", 5, 14)]
    [InlineData("5.15", 5, 15)]
    [InlineData("4.19.0-26-amd64", 4, 19)]
    [InlineData("6.1rc", 6, 1)]
    public void Kernel_releases_parse_to_major_and_minor(string release, int major, int minor)
    {
        Assert.Equal(new Version(major, minor), UintrDetection.ParseKernelVersion(release));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("6")]
    [InlineData("six.one")]
    [InlineData("6.x")]
    public void Unparseable_kernel_releases_are_null(string? release)
    {
        Assert.Null(UintrDetection.ParseKernelVersion(release));
    }

    [Fact]
    public void PlatformFacts_Read_reads_the_environment_variables()
    {
        string? savedSyscalls = Environment.GetEnvironmentVariable("UINTR_IPC_SYSCALLS");
        string? savedMode = Environment.GetEnvironmentVariable("UINTR_IPC_MODE");
        try
        {
            Environment.SetEnvironmentVariable("UINTR_IPC_SYSCALLS", "471,472,473,474,475,476");
            Environment.SetEnvironmentVariable("UINTR_IPC_MODE", "futex");
            PlatformFacts facts = PlatformFacts.Read();
            Assert.Equal("471,472,473,474,475,476", facts.SyscallsVariable);
            Assert.Equal("futex", facts.ModeVariable);
        }
        finally
        {
            Environment.SetEnvironmentVariable("UINTR_IPC_SYSCALLS", savedSyscalls);
            Environment.SetEnvironmentVariable("UINTR_IPC_MODE", savedMode);
        }
    }
}
