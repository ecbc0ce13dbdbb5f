using System.Diagnostics.Metrics;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// The library's <c>UintrIpc</c> meter read as any application would (docs/API.md, Metrics): a
/// <see cref="MeterListener"/> that collects the observable instruments on demand.
/// </summary>
internal sealed class UintrMeterReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _last = [];
    private readonly Lock _lock = new();

    public UintrMeterReader()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "UintrIpc")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _last[instrument.Name] = value);
        _listener.Start();
    }

    /// <summary>The instrument's value now (0 before the meter exists, i.e. before the first receiver or sender).</summary>
    public long Read(string instrument)
    {
        lock (_lock)
        {
            _last.Clear();
            _listener.RecordObservableInstruments();
            return _last.GetValueOrDefault(instrument);
        }
    }

    /// <summary>Receivers whose WaitAsync sleeps in the dispatcher now.</summary>
    public long DispatcherWaiting => Read("uintr.dispatcher.waiting");

    /// <summary>Dispatcher threads alive now.</summary>
    public long DispatcherThreads => Read("uintr.dispatcher.threads");

    /// <summary>Dispatcher sleeps a notification ended, since the process started.</summary>
    public long DispatcherWakeups => Read("uintr.dispatcher.wakeups");

    public void Dispose() => _listener.Dispose();
}
