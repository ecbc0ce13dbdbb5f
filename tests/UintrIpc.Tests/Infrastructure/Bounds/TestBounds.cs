using System.Reflection;
using Xunit.Sdk;

namespace UintrIpc.Tests.Infrastructure.Bounds;

/// <summary>
/// Gives a test (or every test of a class, or of a namespace) a bound other than the default of
/// <see cref="TestBounds.DefaultSeconds"/> seconds; the longest matching prefix of the test's
/// full method name wins. For tests that run long by design (a million rounds, a gigabyte, a
/// package restore); the reason says why.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class TestBoundAttribute(string prefix, int seconds, string reason) : Attribute
{
    public string Prefix { get; } = prefix;

    public int Seconds { get; } = seconds;

    public string Reason { get; } = reason;
}

/// <summary>The bound of each test: its <see cref="TestBoundAttribute"/>, else the default.</summary>
internal sealed class TestBounds(IReadOnlyList<TestBoundAttribute> bounds, TimeSpan defaultBound)
{
    /// <summary>A hang fails a test within this many seconds, unless UINTR_TEST_BOUND_SECONDS says otherwise.</summary>
    public const int DefaultSeconds = 30;

    public static TestBounds Of(Assembly assembly)
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("UINTR_TEST_BOUND_SECONDS"), out int s) && s > 0 ? s : DefaultSeconds;
        return new([.. assembly.GetCustomAttributes<TestBoundAttribute>()], TimeSpan.FromSeconds(seconds));
    }

    public TimeSpan For(IXunitTestCase testCase)
    {
        string name = $"{testCase.TestMethod.TestClass.Class.Name}.{testCase.TestMethod.Method.Name}";
        TestBoundAttribute? best = null;
        foreach (TestBoundAttribute bound in bounds)
        {
            if (name.StartsWith(bound.Prefix, StringComparison.Ordinal) && (best is null || bound.Prefix.Length > best.Prefix.Length))
                best = bound;
        }
        // The default scales a long bound too: a slow machine's factor applies to every test.
        return best is null ? defaultBound : TimeSpan.FromSeconds(best.Seconds * defaultBound.TotalSeconds / DefaultSeconds);
    }
}
