using System.Runtime.InteropServices;

namespace UintrIpc.Bench.Latency;

/// <summary>Where the numbers come from: the JSON's "machine" object and the line above the tables.</summary>
internal sealed record MachineInfo(string CpuModel, int Cores, string Kernel, string DotNet, bool Pinned, string DeliveryPath, DateTimeOffset Date)
{
    public static MachineInfo Collect(bool pinned, string deliveryPath) => new(
        ReadCpuModel(), Environment.ProcessorCount, ReadKernel(), RuntimeInformation.FrameworkDescription, pinned, deliveryPath,
        DateTimeOffset.UtcNow);

    public string Describe() =>
        $"{CpuModel}, {Cores} cores, Linux {Kernel}, {DotNet}, {(Pinned ? "pinned to CPUs 0 and 1" : "not pinned")}, " +
        $"delivery path {DeliveryPath}, {Date:yyyy-MM-dd HH:mm} UTC";

    private static string ReadCpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string ReadKernel()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }
}
