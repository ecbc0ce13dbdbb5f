namespace UintrIpc.Tests.Infrastructure;

/// <summary>A handler that records every call: the order of vectors, a count per vector, and a signal per vector.</summary>
internal sealed class Recorder
{
    private readonly Lock _lock = new();
    private readonly List<int> _calls = [];
    private readonly long[] _counts = new long[64];

    public Recorder(Action<int>? inside = null) => Inside = inside;

    /// <summary>Runs inside the handler, after the call is recorded.</summary>
    public Action<int>? Inside { get; set; }

    public UintrHandler Handler => vector =>
    {
        lock (_lock)
            _calls.Add(vector);
        Interlocked.Increment(ref _counts[vector]);
        Inside?.Invoke(vector);
    };

    public int[] Calls
    {
        get
        {
            lock (_lock)
                return [.. _calls];
        }
    }

    public long Count(int vector) => Interlocked.Read(ref _counts[vector]);

    public void Clear()
    {
        lock (_lock)
            _calls.Clear();
        for (int v = 0; v < 64; v++)
            Interlocked.Exchange(ref _counts[v], 0);
    }
}
