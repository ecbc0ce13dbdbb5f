using System.Diagnostics.Metrics;
using UintrIpc.Engine;

namespace UintrIpc.Diagnostics;

/// <summary>
/// The <see cref="Meter"/> named <see cref="MeterName"/>: observable instruments over
/// every receiver's counters, the process's sends and the futex engine, read only when a
/// listener (dotnet-counters, OpenTelemetry, a <see cref="MeterListener"/>) collects. Names
/// follow the OpenTelemetry conventions (dotted lower case, units in braces for counts of
/// things). A receiver's instruments carry the tag <see cref="NameTag"/> when the application
/// named it (<see cref="UintrReceiverOptions.Name"/>): receivers of one name are summed together,
/// unnamed ones without the tag.
/// </summary>
/// <remarks>
/// A receiver's counters are summed from registration until its region is released (after
/// Dispose, once no wait is inside), then folded into retired totals, so the counters never go
/// down. A receiver dropped without Dispose keeps its small counter object registered.
/// </remarks>
internal static class MeterInstruments
{
    /// <summary>The meter's name, published as <c>UintrMetrics.MeterName</c>.</summary>
    internal const string MeterName = "UintrIpc";

    /// <summary>The tag naming the receiver an instrument's measurement is about.</summary>
    public const string NameTag = "uintr.receiver.name";

    private static readonly Lock s_lock = new();
    private static readonly HashSet<ReceiverCounters> s_live = [];
    private static readonly Dictionary<string, ReceiverCounters> s_retired = []; // by name, "" for unnamed
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
            ReceiverCounters retired = Retired(counters.Name);
            retired.Posts += counters.Posts;
            retired.Deliveries += counters.Deliveries;
            retired.Blocks += counters.Blocks;
            retired.Wakeups += counters.Wakeups;
            retired.SpuriousWakeups += counters.SpuriousWakeups;
        }
    }

    private static ReceiverCounters Retired(string? name)
    {
        if (!s_retired.TryGetValue(name ?? "", out ReceiverCounters? retired))
            s_retired[name ?? ""] = retired = new ReceiverCounters(name);
        return retired;
    }

    /// <summary>One measurement per receiver name (retired receivers included), untagged for unnamed receivers.</summary>
    private static IEnumerable<Measurement<long>> SumReceivers(Func<ReceiverCounters, long> field)
    {
        var sums = new Dictionary<string, long>();
        lock (s_lock)
        {
            foreach (ReceiverCounters counters in s_retired.Values.Concat(s_live))
                sums[counters.Name ?? ""] = sums.GetValueOrDefault(counters.Name ?? "") + field(counters);
        }
        var measurements = new List<Measurement<long>>(sums.Count + 1);
        measurements.Add(new Measurement<long>(sums.GetValueOrDefault("")));
        foreach ((string name, long sum) in sums)
        {
            if (name.Length != 0)
                measurements.Add(new Measurement<long>(sum, new KeyValuePair<string, object?>(NameTag, name)));
        }
        return measurements;
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName, typeof(MeterInstruments).Assembly.GetName().Version?.ToString());
        meter.CreateObservableCounter("uintr.receiver.posts", () => SumReceivers(static c => Volatile.Read(ref c.Posts)), "{interrupt}",
            "Posts collected from vector pages; sends that coalesced count once.");
        meter.CreateObservableCounter("uintr.receiver.deliveries", () => SumReceivers(static c => Volatile.Read(ref c.Deliveries)), "{interrupt}",
            "Handler calls.");
        meter.CreateObservableCounter("uintr.receiver.blocks", () => SumReceivers(static c => Volatile.Read(ref c.Blocks)), "{block}",
            "Times a wait went to sleep in the kernel (a Wait's own futex_waitv, or a WaitAsync handed to the futex engine).");
        meter.CreateObservableCounter("uintr.receiver.wakeups", () => SumReceivers(static c => Volatile.Read(ref c.Wakeups)), "{wakeup}",
            "Times a sender's notification ended such a sleep.");
        meter.CreateObservableCounter("uintr.receiver.spurious_wakeups", () => SumReceivers(static c => Volatile.Read(ref c.SpuriousWakeups)), "{wakeup}",
            "Wake-ups that found nothing to deliver.");
        meter.CreateObservableCounter("uintr.sender.sends", static () => SendCounters.TotalSent, "{interrupt}",
            "Sends (Send and SendUipi) that posted their vector.");
        meter.CreateObservableCounter("uintr.sender.failed_sends", static () => SendCounters.TotalFailed, "{interrupt}",
            "Sends that threw: the receiver closed the vector or died, or the index was not registered.");
        meter.CreateObservableUpDownCounter("uintr.dispatcher.waiting", static () => (long)FutexEngine.Waiting, "{registration}",
            "Registrations asleep in the futex engine now: receivers' WaitAsync and pipe peers' death watches.");
        meter.CreateObservableUpDownCounter("uintr.dispatcher.threads", static () => (long)FutexEngine.Threads, "{thread}",
            "Futex engine threads alive now (leaders, followers, and those given away to a continuation).");
        meter.CreateObservableCounter("uintr.dispatcher.wakeups", static () => FutexEngine.Woken, "{wakeup}",
            "Futex engine sleeps that a notification ended (one may serve several registrations).");
        return meter;
    }
}
