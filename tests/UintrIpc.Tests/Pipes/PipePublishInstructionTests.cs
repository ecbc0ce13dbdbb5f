using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// P2, the ring's tail, must be published with a full barrier (docs/PIPE.md section 4, note 1):
/// with a plain store, the S3 load of the data doorbell that follows can pass it in the store
/// buffer, the consumer sleeps without seeing the bytes and the producer's post coalesces into
/// one it already collected. That race is rare (the model's <c>pipe_broken_plain_publish</c>
/// shows the trace), so this checks the instruction: the JIT's code for
/// <c>RingProducer.Publish</c> must store the tail with an exchange.
/// </summary>
public sealed partial class PipePublishInstructionTests(ITestOutputHelper output)
{
    [OptimizedBuildFact]
    public async Task The_jitted_publish_stores_the_tail_with_an_exchange()
    {
        string listing = await JitListing.Of("pipe-publish-once", "UintrIpc.Pipes.RingProducer:Publish");

        // If Publish is ever inlined into its callers, this fails here: follow it to the caller.
        Assert.Contains("; Assembly listing for method UintrIpc.Pipes.RingProducer:Publish(int)", listing, StringComparison.Ordinal);
        Match exchange = Exchange().Match(listing);
        output.WriteLine(exchange.Success ? exchange.Value : listing);
        Assert.True(exchange.Success, "no XCHG of a qword in the JIT's code for RingProducer:Publish: P2 is not a full-barrier exchange");
    }

    // XCHG with memory is locked without a prefix. Not any LOCK-prefixed instruction: the data
    // doorbell's post, inlined into Publish, has S4's LOCK OR, which says nothing about P2.
    [GeneratedRegex(@"^\s+xchg\s+qword ptr \[[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex Exchange();
}
