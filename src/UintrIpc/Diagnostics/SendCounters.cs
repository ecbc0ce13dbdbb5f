namespace UintrIpc.Diagnostics;

/// <summary>
/// Sends counted per thread: a plain increment of a thread-local cell on the send path (no
/// atomic, no shared cache line), summed by the metrics callback. Cells of threads that ended
/// stay in the sum, so the counter only grows.
/// </summary>
internal static class SendCounters
{
    private static readonly Lock s_lock = new();
    private static readonly List<Cell> s_cells = [];
    private static long s_failed;

    [ThreadStatic]
    private static Cell? t_cell;

    /// <summary>Counts one send that posted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sent() => (t_cell ?? NewCell()).Value++;

    /// <summary>Counts one send that threw (a slow path already, so one atomic is fine).</summary>
    public static void Failed() => Interlocked.Increment(ref s_failed);

    public static long TotalSent
    {
        get
        {
            long sum = 0;
            lock (s_lock)
            {
                foreach (Cell cell in s_cells)
                    sum += Volatile.Read(ref cell.Value);
            }
            return sum;
        }
    }

    public static long TotalFailed => Volatile.Read(ref s_failed);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Cell NewCell()
    {
        MeterInstruments.EnsureCreated();
        var cell = new Cell();
        lock (s_lock)
            s_cells.Add(cell);
        t_cell = cell;
        return cell;
    }

    /// <summary>A cache line of its own, so two threads' counts never share one.</summary>
    private sealed class Cell
    {
#pragma warning disable CS0169 // padding
        private readonly long _pad0, _pad1, _pad2, _pad3, _pad4, _pad5, _pad6;
#pragma warning restore CS0169
        public long Value;
    }
}
