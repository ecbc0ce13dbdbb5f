namespace UintrIpc.Bench.Modes;

/// <summary>Tiny <c>--name value</c> parsing for the non-BenchmarkDotNet modes.</summary>
internal static class CommandLine
{
    /// <summary>Parses <c>--name value</c> pairs; every name must be one of <paramref name="known"/>.</summary>
    public static Dictionary<string, string> Parse(string[] args, params string[] known)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]) || i + 1 >= args.Length)
                throw new ArgumentException($"Unknown or incomplete option '{args[i]}'; expected: {string.Join(", ", known.Select(k => k + " VALUE"))}.");
            values[args[i]] = args[i + 1];
        }
        return values;
    }

    public static long Int(this Dictionary<string, string> values, string name, long fallback) =>
        values.TryGetValue(name, out string? text) ? long.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public static string Text(this Dictionary<string, string> values, string name, string fallback) =>
        values.GetValueOrDefault(name, fallback);
}
