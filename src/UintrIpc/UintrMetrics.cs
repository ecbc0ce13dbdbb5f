using UintrIpc.Diagnostics;
namespace UintrIpc;

/// <summary>
/// The library's <see cref="System.Diagnostics.Metrics.Meter"/>: its name, for
/// <c>dotnet-counters monitor --counters UintrIpc</c>, an OpenTelemetry <c>AddMeter</c> or a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>. The instruments (docs/API.md,
/// "Metrics") are observable: they cost nothing until a listener collects. A receiver's
/// instruments carry the tag <c>uintr.receiver.name</c> when <see cref="UintrReceiverOptions.Name"/> is set.
/// </summary>
public static class UintrMetrics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = MeterInstruments.MeterName;
}
