using System.Runtime.ExceptionServices;
using UintrIpc.Delivery;
using UintrIpc.Interop;
using UintrIpc.Hardware;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// A fact that runs only where the native path is available: a UINTR CPU (Sapphire Rapids or
/// later) with a kernel that implements the uintr system calls. Everywhere else it is skipped,
/// saying so; it never executes a uintr instruction or system call there.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HardwareOnlyFactAttribute : FactAttribute
{
    public const string Requirement = "requires a UINTR CPU with the uintr kernel";

    /// <param name="test">Filled in by the compiler: the test method's name.</param>
    public HardwareOnlyFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        if (!UintrCapabilities.Current.NativeAvailable)
        {
            Skip = $"Hardware-only: {Requirement}. Here: {UintrCapabilities.Current.Reason}";
            // `dotnet test` lists skipped tests by name but shows the reason only at normal
            // verbosity: put the short reason where a default run shows it.
            DisplayName = $"{test} (hardware-only, skipped: {Requirement})";
        }
    }
}

/// <summary>
/// Delivery on the native path: real SENDUIPI into the C handler, uintr_wait, the wait window.
/// Hardware-only: runs only on UINTR CPUs with the uintr kernel (docs/NATIVE.md); skipped here.
/// Each test owns a fresh thread, since a native receiver belongs to its registering thread.
/// </summary>
[Trait("Category", "HardwareOnly")]
public sealed class HardwareInstructionTests
{
    private const int Vector = 3;
    private const ulong Bit = 1UL << Vector;

    [HardwareOnlyFact]
    public void Registering_sets_UIF_and_the_shim_thread_pointer() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        Assert.Equal(1, Shim.Testui());
        Assert.NotEqual(0, Shim.UintrCurrent());
        Shim.Clui();
        Assert.Equal(0, Shim.Testui());
        Shim.Stui();
        Assert.Equal(1, Shim.Testui());
    });

    [HardwareOnlyFact]
    public void A_SENDUIPI_to_the_own_thread_is_recorded_by_the_C_handler() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        using var sender = new HardwareSender(fd);
        sender.Post();
        Assert.True(SpinUntil(() => path.Peek(Bit) != 0), "the handler never recorded the vector");
        Assert.Equal(Bit, path.Collect(ulong.MaxValue));
        Assert.Equal(0UL, path.Peek(ulong.MaxValue));
    });

    [HardwareOnlyFact]
    public void Many_posts_before_a_collect_coalesce_into_one_bit() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        using var sender = new HardwareSender(fd);
        for (int i = 0; i < 100; i++)
            sender.Post();
        Assert.True(SpinUntil(() => path.Peek(Bit) != 0));
        Assert.Equal(Bit, path.Collect(ulong.MaxValue));
    });

    [HardwareOnlyFact]
    public void Block_times_out() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        long start = Stopwatch.GetTimestamp();
        BlockResult result = path.Block(Bit, path.Generation, 20_000_000, Sleep);
        Assert.Equal(0UL, result.Posted);
        Assert.True(result.TimedOut);
        Assert.True(Stopwatch.GetElapsedTime(start) >= TimeSpan.FromMilliseconds(19));
    });

    [HardwareOnlyFact]
    public void Block_wakes_on_a_SENDUIPI_from_another_thread() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        var poster = new Thread(() =>
        {
            using var sender = new HardwareSender(fd); // RFC v1: the UITT belongs to this thread
            Thread.Sleep(50);
            sender.Post();
        });
        poster.Start();
        BlockResult result = default;
        for (int i = 0; i < 100 && result.Posted == 0; i++)
            result = path.Block(Bit, path.Generation, 5_000_000_000, Sleep);
        poster.Join();
        Assert.Equal(Bit, result.Posted);
        Assert.False(result.TimedOut);
    });

    [HardwareOnlyFact]
    public void Interrupt_from_another_thread_wakes_Block() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        uint generation = path.Generation;
        var interrupter = new Thread(() =>
        {
            Thread.Sleep(50);
            path.Interrupt();
        });
        interrupter.Start();
        long start = Stopwatch.GetTimestamp();
        BlockResult result = path.Block(Bit, generation, -1, Sleep);
        interrupter.Join();
        Assert.Equal(0UL, result.Posted);
        Assert.False(result.TimedOut);
        Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5));
    });

    [HardwareOnlyFact]
    public void An_Interrupt_before_Block_is_not_lost() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        uint generation = path.Generation;
        path.Interrupt();
        BlockResult result = path.Block(Bit, generation, -1, Sleep);
        Assert.False(result.Slept);
    });

    [HardwareOnlyFact]
    public void Vectors_and_waits_belong_to_the_registering_thread() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        Exception? open = null, block = null;
        var other = new Thread(() =>
        {
            open = Record.Exception(() => path.OpenVector(Vector));
            block = Record.Exception(() => path.Block(Bit, path.Generation, 0, Sleep));
        });
        other.Start();
        other.Join();
        Assert.IsType<InvalidOperationException>(open);
        Assert.IsType<InvalidOperationException>(block);
    });

    [HardwareOnlyFact]
    public void A_second_receiver_on_the_same_thread_is_EBUSY() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        var e = Assert.Throws<UintrException>(() => new HardwareReceiverPath());
        Assert.Equal(16, e.Errno);
    });

    [HardwareOnlyFact]
    public void A_receiver_disposed_elsewhere_is_reclaimed_by_the_next_registration_on_its_thread() => OnOwnThread(() =>
    {
        var path = new HardwareReceiverPath();
        var disposer = new Thread(path.Dispose);
        disposer.Start();
        disposer.Join();
        Assert.NotEqual(0, Shim.UintrCurrent()); // still registered here
        using var again = new HardwareReceiverPath();
        Assert.Equal(1, Shim.Testui());
    });

    [HardwareOnlyFact]
    public void Posting_after_Dispose_is_ObjectDisposedException_not_a_fault() => OnOwnThread(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        var sender = new HardwareSender(fd);
        sender.Dispose();
        Assert.Throws<ObjectDisposedException>(sender.Post);
    });

    /// <summary>The receiver's consent to sleep: Block sleeps only when it returns true (false means cancelled or disposed).</summary>
    private static readonly Func<bool> Sleep = () => true;

    private static bool SpinUntil(Func<bool> condition)
    {
        long end = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > end)
                return false;
            Thread.SpinWait(10);
        }
        return true;
    }

    private static void OnOwnThread(Action test)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                test();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
    }
}
