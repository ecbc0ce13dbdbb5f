using ScottPlot;
using ScottPlot.TickGenerators;
using UintrIpc.Latency;

namespace UintrIpc.Bench.Latency;

/// <summary>
/// The PNG next to the JSON: one percentile curve per mechanism. The x axis stretches the tail
/// (position k is the percentile 1 − 10^−k: 0 %, 90 %, 99 %, 99.9 %, ...); the y axis is the
/// one-way latency on a log scale.
/// </summary>
internal static class LatencyPlot
{
    private static string Decade(int d) => d switch
    {
        < 3 => $"{Math.Pow(10, d):0} ns",
        < 6 => $"{Math.Pow(10, d - 3):0} µs",
        < 9 => $"{Math.Pow(10, d - 6):0} ms",
        _ => $"{Math.Pow(10, d - 9):0} s",
    };

    public static void Write(string path, IReadOnlyList<LatencyResult> results, MachineInfo machine, LatencyOptions options)
    {
        var plot = new Plot();
        double maxX = 0, minY = double.MaxValue, maxY = double.MinValue;
        foreach (LatencyResult r in results)
        {
            if (r.SortedOneWayNs.Length == 0)
                continue;
            // Beyond 1 − 1/N the curve would only repeat the maximum.
            double lastX = Math.Log10(r.SortedOneWayNs.Length);
            var xs = new List<double>();
            var ys = new List<double>();
            for (double x = 0; x <= lastX + 1e-9; x += 0.01)
            {
                double ns = LatencyResult.Percentile(r.SortedOneWayNs, 1 - Math.Pow(10, -x));
                xs.Add(x);
                ys.Add(Math.Log10(Math.Max(ns, 1)));
            }
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.LegendText = r.Name;
            line.LineWidth = r.Name.StartsWith("uintr", StringComparison.Ordinal) ? 3 : 1.5f;
            maxX = Math.Max(maxX, lastX);
            minY = Math.Min(minY, ys.Min());
            maxY = Math.Max(maxY, ys.Max());
        }

        var xTicks = new NumericManual();
        for (int k = 0; k <= (int)Math.Floor(maxX); k++)
            xTicks.AddMajor(k, k == 0 ? "0%" : (100 * (1 - Math.Pow(10, -k))).ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture) + "%");
        plot.Axes.Bottom.TickGenerator = xTicks;

        int lowDecade = (int)Math.Floor(minY), highDecade = (int)Math.Ceiling(maxY);
        var yTicks = new NumericManual();
        for (int d = lowDecade; d <= highDecade; d++)
        {
            yTicks.AddMajor(d, Decade(d));
            for (int m = 2; m <= 9 && d < highDecade; m++)
                yTicks.AddMinor(d + Math.Log10(m));
        }
        plot.Axes.Left.TickGenerator = yTicks;
        plot.Axes.SetLimits(0, maxX + 0.05, lowDecade, highDecade);

        plot.Title($"One-way latency, cross-process ping-pong ({options.Rounds:N0} round trips per mechanism{(options.Contend ? ", with a competing CPU-bound process" : "")})");
        plot.XLabel("percentile (log scale of 1 / (1 − p))");
        plot.YLabel("one-way latency = round trip / 2 (log scale)");
        plot.Axes.Bottom.Label.FontSize = 14;
        plot.Axes.Left.Label.FontSize = 14;
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Add.Annotation(machine.Describe(), Alignment.LowerRight);
        plot.SavePng(path, 1400, 800);
    }
}
