using System.Diagnostics;
using System.Runtime.CompilerServices;
using UintrIpc.Bench.Primitives;

namespace UintrIpc.Bench.Latency;

/// <summary>The in-process cost of one post, nanoseconds per operation (medians over interleaved batches).</summary>
/// <param name="UintrSend">Send of a fresh post: <see cref="SendPoll"/> minus <see cref="StorePoll"/>, batch by batch.</param>
/// <param name="EventFdWrite">write(eventfd, &amp;1, 8) with no waiter.</param>
/// <param name="SendPoll">Send, then Poll collects the post and runs the (empty) handler.</param>
/// <param name="StorePoll">A plain store of the PIR bit through our own mapping of the page (what a post leaves behind, without Send's checks and LOCK OR), then the same Poll. Native path (no page): Poll with nothing pending, so UintrSend is an upper bound there.</param>
/// <param name="ClearSend">A plain store clears PIR, then Send: a fresh post without the Poll (a cross-check of <see cref="UintrSend"/>, plus one store).</param>
internal sealed record SendCostResult(double UintrSend, double EventFdWrite, double SendPoll, double StorePoll, double ClearSend);

/// <summary>
/// Measures <see cref="SendCostResult"/>. Every loop runs in batches of N operations timed with
/// two clock reads; the batches of the different loops alternate, and each figure is the median
/// of its per-batch ns/op, so the VM's drift hits all of them alike. The loops are fully
/// optimized from their first call; what they call is tiered up by the warm-up.
/// </summary>
internal static unsafe class SendCost
{
    /// <remarks>
    /// Not chosen: timing Send alone while another thread consumes with Poll. The consumer collects
    /// a post only every ~100 ns (a cache-line round trip) while the sender loops in ~1 ns, so
    /// nearly every send finds its bit still set and takes the coalesced one-load path, which is
    /// not the cost of a post.
    /// </remarks>
    public static SendCostResult Measure(int batches, int opsPerBatch, Action onBatch)
    {
        // Registered, polled and sent on the calling thread: a native receiver belongs to its thread.
        using UintrReceiver receiver = UintrReceiver.Register(static _ => { });
        using UintrFd fd = receiver.CreateFd(0);
        using UintrSender sender = UintrSender.Register(fd);
        using var eventFd = new EventFd();
        // Futex path: PageView maps the page and finds the vector's pir (ABI section 2; checked
        // here). The native path has no page: its baseline is an empty Poll.
        using PageView? page = receiver.Mode == UintrMode.Futex ? new PageView(fd) : null;
        ulong* pir = page is null ? null : page.Pir;
        if (page is not null)
        {
            sender.Send();
            bool seen = Volatile.Read(ref *pir) != 0;
            receiver.Poll();
            if (!seen || Volatile.Read(ref *pir) != 0)
                throw new InvalidOperationException("The bench's page mapping does not see vector 0's PIR word: the page layout changed (docs/ABI.md section 2).");
        }

        // Warm-up, with pauses so that tiered JIT promotes the loops and what they call.
        for (int pass = 0; pass < 3; pass++)
        {
            for (int b = 0; b < 5; b++)
                OneBatch(sender, receiver, pir, eventFd, opsPerBatch);
            Thread.Sleep(150);
        }

        var sendPoll = new double[batches];
        var storePoll = new double[batches];
        var clearSend = new double[batches];
        var eventFdWrite = new double[batches];
        var difference = new double[batches];
        for (int b = 0; b < batches; b++)
        {
            (sendPoll[b], storePoll[b], clearSend[b], eventFdWrite[b]) = OneBatch(sender, receiver, pir, eventFd, opsPerBatch);
            difference[b] = sendPoll[b] - storePoll[b];
            onBatch();
        }
        receiver.Poll();
        return new(Median(difference), Median(eventFdWrite), Median(sendPoll), Median(storePoll), Median(clearSend));
    }

    /// <summary>One batch of each loop, in a fixed order; StorePoll and ClearSend need the page (futex path), else an empty Poll and NaN.</summary>
    private static (double SendPoll, double StorePoll, double ClearSend, double EventFdWrite) OneBatch(
        UintrSender sender, UintrReceiver receiver, ulong* pir, EventFd eventFd, int ops)
    {
        double sendPoll = SendPoll(sender, receiver, ops);
        double storePoll = pir is null ? EmptyPoll(receiver, ops) : StorePoll(pir, receiver, ops);
        double clearSend = pir is null ? double.NaN : ClearSend(pir, sender, ops);
        double eventFdWrite = EventFdWrite(eventFd, ops);
        eventFd.Drain(); // keeps the counter far from saturation; not timed
        return (sendPoll, storePoll, clearSend, eventFdWrite);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double EmptyPoll(UintrReceiver receiver, int ops)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++)
            receiver.Poll();
        return NsPerOp(start, ops);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double SendPoll(UintrSender sender, UintrReceiver receiver, int ops)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++)
        {
            sender.Send();
            receiver.Poll();
        }
        return NsPerOp(start, ops);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double StorePoll(ulong* pir, UintrReceiver receiver, int ops)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++)
        {
            Volatile.Write(ref *pir, 1UL); // vector 0's bit
            receiver.Poll();
        }
        return NsPerOp(start, ops);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double ClearSend(ulong* pir, UintrSender sender, int ops)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++)
        {
            Volatile.Write(ref *pir, 0UL);
            sender.Send();
        }
        return NsPerOp(start, ops);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double EventFdWrite(EventFd eventFd, int ops)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++)
            eventFd.Signal();
        return NsPerOp(start, ops);
    }

    private static double NsPerOp(long start, int ops) => (Stopwatch.GetTimestamp() - start) * (1e9 / Stopwatch.Frequency) / ops;

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
