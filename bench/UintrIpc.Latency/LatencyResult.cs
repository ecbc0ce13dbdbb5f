using System.Diagnostics;

namespace UintrIpc.Latency;

/// <summary>One mechanism's figures: one-way latency (round trip / 2) percentiles and mean, and CPU per round trip.</summary>
public sealed record LatencyResult(
    string Name,
    double P50Ns,
    double P99Ns,
    double P999Ns,
    double MeanNs,
    double CpuNsPerRoundTrip,
    long RoundTrips,
    double ParentCpuNsPerRoundTrip,
    double ChildCpuNsPerRoundTrip,
    double SleepsPerRoundTrip,
    double[] SortedOneWayNs)
{
    internal static LatencyResult Of(MechanismSamples samples)
    {
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        double[] oneWay = new double[samples.Count];
        for (int i = 0; i < oneWay.Length; i++)
            oneWay[i] = samples.RoundTrips[i] * nsPerTick / 2;
        Array.Sort(oneWay);
        double cpuRoundTrips = Math.Max(1, samples.CpuRoundTrips);
        long totalCpu = samples.ParentCpuNs + samples.ChildCpuNs;
        return new(
            samples.Name,
            Percentile(oneWay, 0.50),
            Percentile(oneWay, 0.99),
            Percentile(oneWay, 0.999),
            oneWay.Length == 0 ? 0 : oneWay.Average(),
            totalCpu / cpuRoundTrips,
            samples.Count,
            samples.ParentCpuNs / cpuRoundTrips,
            samples.ChildCpuNs / cpuRoundTrips,
            (samples.ParentSleeps + samples.ChildSleeps) / cpuRoundTrips,
            oneWay);
    }

    /// <summary>Nearest-rank percentile of sorted values: the smallest value with at least <paramref name="quantile"/> of the samples at or below it.</summary>
    public static double Percentile(double[] sorted, double quantile)
    {
        if (sorted.Length == 0)
            return double.NaN;
        int rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
