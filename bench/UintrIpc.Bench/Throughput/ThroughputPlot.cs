using ScottPlot;

namespace UintrIpc.Bench.Throughput;

/// <summary>The PNG next to the JSON: bytes per second per pipeline, one group per message size (log scale).</summary>
internal static class ThroughputPlot
{
    public static void Write(string path, IReadOnlyList<ThroughputResult> results, string machine)
    {
        var plot = new Plot();
        int[] sizes = [.. results.Select(r => r.MessageSize).Distinct().Order()];
        string[] names = [.. results.Select(r => r.Name).Distinct()];
        var bars = new List<Bar>();
        for (int s = 0; s < sizes.Length; s++)
        {
            for (int n = 0; n < names.Length; n++)
            {
                ThroughputResult? r = results.FirstOrDefault(x => x.MessageSize == sizes[s] && x.Name == names[n]);
                if (r is null)
                    continue;
                bars.Add(new Bar
                {
                    Position = s * (names.Length + 1) + n,
                    Value = Math.Log10(Math.Max(r.BytesPerSecond, 1)),
                    FillColor = Colors.Category10[n],
                    Label = $"{r.BytesPerSecond / 1e9:0.###} GB/s\n{r.MessagesPerSecond / 1e6:0.###} M msg/s",
                });
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;
        for (int n = 0; n < names.Length; n++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = names[n], FillColor = Colors.Category10[n] });
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. sizes.Select((size, s) => s * (names.Length + 1) + (names.Length - 1) / 2.0)],
            [.. sizes.Select(size => $"{size}-byte messages, one flush each")]);
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int d = 5; d <= 11; d++)
            yTicks.AddMajor(d, d < 6 ? $"{Math.Pow(10, d - 3):0} kB/s" : d < 9 ? $"{Math.Pow(10, d - 6):0} MB/s" : $"{Math.Pow(10, d - 9):0} GB/s");
        plot.Axes.Left.TickGenerator = yTicks;
        plot.Axes.SetLimits(-1, sizes.Length * (names.Length + 1) - 1, 5, 11);
        plot.Title("Streaming throughput between two processes (Pipelines)");
        plot.YLabel("bytes per second (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Add.Annotation(machine, Alignment.UpperRight);
        plot.SavePng(path, 1200, 700);
    }
}
