using UintrIpc.Idle;

namespace UintrIpc.Tests.Idle;

public sealed class StopwatchTimeTests
{
    [Fact]
    public void One_second_is_Frequency_ticks_and_a_billion_nanoseconds()
    {
        Assert.Equal(Stopwatch.Frequency, StopwatchTime.ToTicks(TimeSpan.FromSeconds(1)));
        Assert.Equal(1_000_000_000, StopwatchTime.ToNanoseconds(Stopwatch.Frequency));
        Assert.Equal(0, StopwatchTime.ToTicks(TimeSpan.Zero));
    }

    [Fact]
    public void Huge_values_saturate_and_past_deadlines_are_zero_nanoseconds()
    {
        Assert.Equal(long.MaxValue, StopwatchTime.ToTicks(TimeSpan.MaxValue));
        Assert.Equal(long.MaxValue, StopwatchTime.ToNanoseconds(long.MaxValue));
        Assert.Equal(0, StopwatchTime.ToNanoseconds(0));
        Assert.Equal(0, StopwatchTime.ToNanoseconds(-Stopwatch.Frequency));
    }

    [Fact]
    public void The_spin_budget_is_zero_exactly_when_the_process_has_one_CPU()
    {
        Assert.Equal(Environment.ProcessorCount > 1, SpinBudget.CanSpin);
        long budget = SpinBudget.Ticks(TimeSpan.FromMilliseconds(1));
        Assert.Equal(SpinBudget.CanSpin ? StopwatchTime.ToTicks(TimeSpan.FromMilliseconds(1)) : 0, budget);
    }
}
