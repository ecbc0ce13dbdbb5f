using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;

namespace UintrIpc.Bench.Micro;

/// <summary>
/// One out-of-process job, shorter than BenchmarkDotNet's default but still with a pilot stage,
/// 5 warm-up and 15 measured iterations of ~500 ms each and outlier removal; times in ns.
/// Command-line arguments (e.g. <c>--job short</c>, <c>--disasm</c>) are merged on top.
/// </summary>
internal sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(15)
            .WithId("Short15"));
        AddColumn(StatisticColumn.Median, StatisticColumn.P95);
        SummaryStyle = SummaryStyle.Default.WithTimeUnit(TimeUnit.Nanosecond);
    }
}
