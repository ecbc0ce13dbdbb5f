using BenchmarkDotNet.Running;

namespace UintrIpc.Bench.Modes;

/// <summary><c>micro [BenchmarkDotNet args]</c>: the BenchmarkDotNet micro-benchmarks in Micro/.</summary>
internal sealed class MicroMode : IBenchMode
{
    public string Name => "micro";

    public string Description => "BenchmarkDotNet micro-benchmarks (Send, Poll); takes BenchmarkDotNet args, e.g. --filter '*'";

    public int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroMode).Assembly).Run(args, new Micro.BenchConfig());
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
