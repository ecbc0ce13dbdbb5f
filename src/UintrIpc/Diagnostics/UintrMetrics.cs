using System.Diagnostics.Metrics;
using UintrIpc.Dispatch;

namespace UintrIpc.Diagnostics;

/// <summary>
/// The <see cref="Meter"/> named <c>UintrIpc</c>: observable instruments over every receiver's
/// counters, the process's sends and the dispatcher, read only when a listener (dotnet-counters,
/// OpenTelemetry, a <see cref="MeterListener"/>) collects. Names follow the OpenTelemetry
/// conventions (dotted lower case, units in braces for counts of things).
/// </summary>
/// <remarks>
/// A receiver's counters are summed from registration until its region is released (after
/// Dispose, once no wait is inside), then folded into retired totals, so the counters never go
/// down. A receiver dropped without Dispose keeps its small counter object registered.
/// </remarks>
internal static class UintrMetrics
{
    public const string MeterName = "UintrIpc";

    private static readonly Lock s_lock = new();
    private static readonly HashSet<ReceiverCounters> s_live = [];
    private static readonly ReceiverCounters s_retired = new();
    private static readonly Meter s_meter = CreateMeter();

    /// <summary>Touching this type creates the meter; receivers and senders call it when they first exist.</summary>
    public static void EnsureCreated() => GC.KeepAlive(s_meter);

    public static void Register(ReceiverCounters counters)
    {
        EnsureCreated();
        lock (s_lock)
            s_live.Add(counters);
    }

    /// <summary>Folds a disposed receiver's counts into the retired totals, so the sums never go down.</summary>
    public static void Unregister(ReceiverCounters counters)
    {
        lock (s_lock)
        {
            if (!s_live.Remove(counters))
                return;
            s_retired.Posts += counters.Posts;
            s_retired.Deliveries += counters.Deliveries;
            s_retired.Blocks += counters.Blocks;
            s_retired.Wakeups += counters.Wakeups;
            s_retired.SpuriousWakeups += counters.SpuriousWakeups;
        }
    }

    private static long SumReceivers(Func<ReceiverCounters, long> field)
    {
        lock (s_lock)
        {
            long sum = field(s_retired);
            foreach (ReceiverCounters counters in s_live)
                sum += field(counters);
            return sum;
        }
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName, typeof(UintrMetrics).Assembly.GetName().Version?.ToString());
        meter.CreateObservableCounter("uintr.receiver.posts", () => SumReceivers(static c => Volatile.Read(ref c.Posts)), "{interrupt}",
            "Posts collected from vector pages; sends that coalesced count once.");
        meter.CreateObservableCounter("uintr.receiver.deliveries", () => SumReceivers(static c => Volatile.Read(ref c.Deliveries)), "{interrupt}",
            "Handler calls.");
        meter.CreateObservableCounter("uintr.receiver.blocks", () => SumReceivers(static c => Volatile.Read(ref c.Blocks)), "{block}",
            "Times a wait went to sleep in the kernel (a Wait's own futex_waitv, or a WaitAsync handed to the dispatcher).");
        meter.CreateObservableCounter("uintr.receiver.wakeups", () => SumReceivers(static c => Volatile.Read(ref c.Wakeups)), "{wakeup}",
            "Times a sender's notification ended such a sleep.");
        meter.CreateObservableCounter("uintr.receiver.spurious_wakeups", () => SumReceivers(static c => Volatile.Read(ref c.SpuriousWakeups)), "{wakeup}",
            "Wake-ups that found nothing to deliver.");
        meter.CreateObservableCounter("uintr.sender.sends", static () => SendCounters.TotalSent, "{interrupt}",
            "Sends (Send and SendUipi) that posted their vector.");
        meter.CreateObservableCounter("uintr.sender.failed_sends", static () => SendCounters.TotalFailed, "{interrupt}",
            "Sends that threw: the receiver closed the vector or died, or the index was not registered.");
        meter.CreateObservableUpDownCounter("uintr.dispatcher.waiting", static () => (long)Dispatcher.Waiting, "{receiver}",
            "Receivers whose WaitAsync is asleep in the dispatcher now.");
        meter.CreateObservableUpDownCounter("uintr.dispatcher.threads", static () => (long)Dispatcher.Threads, "{thread}",
            "Dispatcher threads alive now.");
        meter.CreateObservableCounter("uintr.dispatcher.wakeups", static () => Dispatcher.Woken, "{wakeup}",
            "Dispatcher sleeps ended because a watched status word left BLOCKED (a notification; one may serve several receivers).");
        return meter;
    }
}
