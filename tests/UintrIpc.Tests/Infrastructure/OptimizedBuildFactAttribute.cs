using System.Diagnostics;
using System.Reflection;

namespace UintrIpc.Tests.Infrastructure;

/// <summary>
/// A fact about the code the JIT makes of an optimized (Release) UintrIpc: skipped when the
/// library was built without optimization (a Debug build), whose methods the JIT compiles
/// without inlining, so the instructions a test looks for are not in the method it reads.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OptimizedBuildFactAttribute : FactAttribute
{
    public OptimizedBuildFactAttribute()
    {
        if (typeof(UintrSender).Assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true })
            Skip = "Checks the JIT's optimized code: this UintrIpc is a Debug build; run with -c Release (as .ci/run does).";
    }
}
