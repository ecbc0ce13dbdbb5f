using System.IO.Pipelines;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// The pipe contract (<see cref="PipeConformanceTests"/>) held by the runtime's own
/// <see cref="Pipe"/>, two of them back to back: a test that fails here tests UintrPipe's
/// behaviour, not the contract, and belongs with UintrPipe's own tests.
/// </summary>
public sealed class BclPipeConformanceTests : PipeConformanceTests
{
    protected override PipePair CreatePair(int capacity = 4096)
    {
        // The pause threshold plays the ring's part: a flush waits once that much is unconsumed.
        var options = new PipeOptions(pauseWriterThreshold: capacity, resumeWriterThreshold: capacity / 2, useSynchronizationContext: false);
        var toB = new Pipe(options);
        var toA = new Pipe(options);
        return new PipePair(new DuplexPipe(toA.Reader, toB.Writer), new DuplexPipe(toB.Reader, toA.Writer), () =>
        {
            foreach (Pipe pipe in new[] { toA, toB })
            {
                pipe.Writer.Complete();
                pipe.Reader.Complete();
            }
        });
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
