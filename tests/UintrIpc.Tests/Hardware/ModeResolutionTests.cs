using UintrIpc.Detection;
using UintrIpc.Hardware;
using static UintrIpc.Tests.Hardware.HardwareFacts;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// UINTR_IPC_MODE and UintrReceiverOptions.Mode: the environment wins, then the options, then
/// the automatic choice; Native where unsupported is EOPNOTSUPP naming what is missing.
/// </summary>
public sealed class ModeResolutionTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("auto", null)]
    [InlineData("AUTO", null)]
    [InlineData("futex", UintrMode.Futex)]
    [InlineData(" Futex ", UintrMode.Futex)]
    [InlineData("native", UintrMode.Native)]
    [InlineData("NATIVE", UintrMode.Native)]
    public void UINTR_IPC_MODE_values_parse(string? value, UintrMode? expected)
    {
        var (mode, error) = UintrDetection.ParseMode(value);
        Assert.Null(error);
        Assert.Equal(expected, mode);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("1")]
    [InlineData("futex,native")]
    [InlineData("automatic")]
    public void Invalid_UINTR_IPC_MODE_values_are_errors_naming_the_variable(string value)
    {
        var (mode, error) = UintrDetection.ParseMode(value);
        Assert.Null(mode);
        Assert.NotNull(error);
        Assert.Contains("UINTR_IPC_MODE", error);
        Assert.Contains(value, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(UintrMode.Futex)]
    [InlineData(UintrMode.Native)]
    public void An_invalid_UINTR_IPC_MODE_fails_every_registration_with_EINVAL(UintrMode? requested)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(mode: "garbage"));
        var e = Assert.Throws<UintrException>(() => caps.Resolve(requested));
        Assert.Equal(22, e.Errno);
        Assert.Contains("UINTR_IPC_MODE", e.Message);
        Assert.Contains("garbage", caps.Reason);
    }

    [Fact]
    public void Without_overrides_null_resolves_to_the_automatic_mode()
    {
        Assert.Equal(UintrMode.Native, UintrCapabilities.Detect(Machine()).Resolve(null));
        Assert.Equal(UintrMode.Futex, UintrCapabilities.Detect(Machine(cpu: false)).Resolve(null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("auto")]
    public void Auto_or_unset_uses_the_options(string? mode)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(mode: mode));
        Assert.Equal(UintrMode.Futex, caps.Resolve(UintrMode.Futex));
        Assert.Equal(UintrMode.Native, caps.Resolve(UintrMode.Native));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(UintrMode.Futex)]
    [InlineData(UintrMode.Native)]
    public void UINTR_IPC_MODE_futex_overrides_the_options_even_where_native_runs(UintrMode? requested)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(mode: "futex"));
        Assert.True(caps.NativeAvailable);
        Assert.Equal(UintrMode.Futex, caps.AutomaticMode);
        Assert.Equal(UintrMode.Futex, caps.Resolve(requested));
        Assert.Contains("UINTR_IPC_MODE=futex", caps.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(UintrMode.Futex)]
    public void UINTR_IPC_MODE_native_overrides_the_options_where_native_runs(UintrMode? requested)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(mode: "native"));
        Assert.Equal(UintrMode.Native, caps.Resolve(requested));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(UintrMode.Futex)]
    [InlineData(UintrMode.Native)]
    public void UINTR_IPC_MODE_native_where_unsupported_is_EOPNOTSUPP_naming_the_variable_and_what_is_missing(UintrMode? requested)
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(cpu: false, kernel: false, release: "6.18.44", mode: "native"));
        var e = Assert.Throws<UintrException>(() => caps.Resolve(requested));
        Assert.Equal(95, e.Errno);
        Assert.Contains("UINTR_IPC_MODE=native", e.Message);
        Assert.Contains("CPU support", e.Message);
        Assert.Contains("kernel support", e.Message);
        Assert.Contains("EOPNOTSUPP", caps.Reason);
    }

    [Fact]
    public void Options_asking_for_native_where_the_kernel_lacks_it_is_EOPNOTSUPP_naming_the_kernel()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(kernel: false, release: "6.18.44"));
        var e = Assert.Throws<UintrException>(() => caps.Resolve(UintrMode.Native));
        Assert.Equal(95, e.Errno);
        Assert.Contains("UintrReceiverOptions.Mode", e.Message);
        Assert.Contains("kernel support", e.Message);
        Assert.DoesNotContain("CPU support", e.Message);
        Assert.Equal(UintrMode.Futex, caps.Resolve(UintrMode.Futex));
        Assert.Equal(UintrMode.Futex, caps.Resolve(null));
    }

    [Fact]
    public void Options_asking_for_native_with_a_malformed_table_is_EOPNOTSUPP_naming_the_table()
    {
        UintrCapabilities caps = UintrCapabilities.Detect(Machine(syscalls: "449,450"));
        var e = Assert.Throws<UintrException>(() => caps.Resolve(UintrMode.Native));
        Assert.Equal(95, e.Errno);
        Assert.Contains("a syscall table", e.Message);
        Assert.Contains("UINTR_IPC_SYSCALLS='449,450' is malformed", e.Message);
    }
}
