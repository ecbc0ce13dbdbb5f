using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace UintrIpc.Tests.FutexPath;

/// <summary>
/// S4's post must be a full barrier (docs/ABI.md section 3): a plain store to pir lets the
/// following load of status pass it in the store buffer and loses wake-ups, rarely enough that
/// only millions of racing rounds show it (LostWakeupTests' asymmetric ping-pong). This checks
/// the instruction itself: the JIT's code for the send path must OR with a LOCK prefix. Only an
/// optimized build inlines S4's <c>Interlocked.Or</c> into that code.
/// </summary>
public sealed partial class SendInstructionTests(ITestOutputHelper output)
{
    [OptimizedBuildFact]
    public async Task The_jitted_send_posts_with_a_locked_or()
    {
        string listing = await JitListing.Of("send-once", "UintrIpc.UintrSender:Post"); // Send() itself is inlined into its caller

        Assert.Contains("; Assembly listing for method UintrIpc.UintrSender:Post()", listing, StringComparison.Ordinal);
        // The JIT prints the prefix on a line of its own: "lock", then "or  qword ptr [...], ...".
        Match locked = LockedOr().Match(listing);
        output.WriteLine(locked.Success ? locked.Value : listing);
        Assert.True(locked.Success, "no LOCK-prefixed OR in the JIT's code for UintrSender:Post: S4 is not a full-barrier fetch_or");
    }

    [GeneratedRegex(@"^\s+lock\s*\n\s+or\s+qword ptr \[[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex LockedOr();
}
