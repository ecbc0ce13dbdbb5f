namespace UintrIpc.Bench.Throughput;

/// <summary>One row of the throughput JSON.</summary>
internal sealed record ThroughputResult(string Name, int MessageSize, double MessagesPerSecond, double BytesPerSecond);
