using UintrIpc.Delivery;
using UintrIpc.Interop;
using UintrIpc.Hardware;
using Xunit.Abstractions;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// The restartable wait window, hit deterministically: the simulator single-steps the owner
/// thread through the shim's uintr_wait code (trap flag) and makes an interrupt arrive at one
/// chosen instruction: at every instruction from before the last check to the syscall
/// instruction itself, one Block each. A post or an Interrupt that lands anywhere there must end
/// the wait at once; a lost one shows as a 5-second timeout (TimedOut), never as a hang.
/// </summary>
[Trait("Category", "HardwareOnly")]
public sealed class WaitWindowInjectionTests(ITestOutputHelper output)
{
    private const int Vector = 7;
    private const ulong Bit = 1UL << Vector;
    private const long Timeout = 5_000_000_000;
    private const int MaxSteps = 2000;

    private const int Injected = unchecked((int)0x80000000);
    private const int InWindow = 1 << 16;
    private const int AtSyscall = 1 << 17;

    [SimulatorOnlyFact]
    public void A_post_at_any_instruction_of_the_wait_ends_it_with_the_vector() => OwnThread.Run(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        var (steps, inWindow, rewritesBefore) = (0, 0, OwnThread.SimulatorCounters()[3]);
        for (int step = 0; step < MaxSteps; step++)
        {
            Assert.Equal(0, SimulatorHooks.ArmInjection(step, Vector));
            BlockResult result = path.Block(Bit, path.Generation, Timeout, () => true);
            int outcome = SimulatorHooks.InjectionResult();
            Assert.True((outcome & Injected) != 0, $"step {step}: the injection never happened");
            Assert.True(result.Posted == Bit && !result.TimedOut,
                $"step {step} ({Describe(outcome)}): lost: posted {result.Posted:x}, timed out {result.TimedOut}");
            Assert.Equal(0UL, path.Peek(ulong.MaxValue));
            steps++;
            if ((outcome & InWindow) != 0)
                inWindow++;
            if ((outcome & AtSyscall) != 0)
                break;
        }
        ulong rewrites = OwnThread.SimulatorCounters()[3] - rewritesBefore;
        output.WriteLine($"{steps} instructions stepped, {inWindow} inside the window, {rewrites} handler calls moved the thread out of it");
        Assert.True(steps < MaxSteps, "the syscall instruction was never reached");
        Assert.True(inWindow >= 3, $"only {inWindow} injections inside the window (pending check, generation check, syscall)");
        // Every post that arrived inside the window was saved by the handler moving RIP, not by luck.
        Assert.Equal((ulong)inWindow, rewrites);
    });

    [SimulatorOnlyFact]
    public void An_Interrupt_at_any_instruction_of_the_wait_ends_it() => OwnThread.Run(() =>
    {
        using var path = new HardwareReceiverPath();
        int steps = 0;
        for (int step = 0; step < MaxSteps; step++)
        {
            Assert.Equal(0, SimulatorHooks.ArmInjection(step, -1));
            BlockResult result = path.Block(Bit, path.Generation, Timeout, () => true);
            int outcome = SimulatorHooks.InjectionResult();
            Assert.True((outcome & Injected) != 0, $"step {step}: the injection never happened");
            Assert.False(result.TimedOut, $"step {step} ({Describe(outcome)}): the Interrupt was lost, the wait ran into its timeout");
            steps++;
            if ((outcome & AtSyscall) != 0)
            {
                Assert.False(result.Slept, "an Interrupt at the syscall instruction must keep the thread out of the kernel");
                break;
            }
        }
        Assert.True(steps < MaxSteps, "the syscall instruction was never reached");
    });

    [SimulatorOnlyFact]
    public void A_post_after_the_generation_read_and_before_Block_is_not_lost() => OwnThread.Run(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        using var sender = new HardwareSender(fd);
        for (int i = 0; i < 100; i++)
        {
            uint generation = path.Generation; // W3
            sender.Post();                     // arrives before Block's first collect
            BlockResult result = path.Block(Bit, generation, Timeout, () => true);
            Assert.Equal(Bit, result.Posted);
            Assert.False(result.Slept);
        }
    });

    private static string Describe(int outcome) =>
        $"{((outcome & AtSyscall) != 0 ? "at the syscall instruction" : (outcome & InWindow) != 0 ? "inside the window" : "before the window")}, step {outcome & 0xffff}";
}
