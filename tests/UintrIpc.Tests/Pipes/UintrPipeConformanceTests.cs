using System.Buffers;
using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>The pipe contract (<see cref="PipeConformanceTests"/>) held by a <see cref="UintrPipe"/> pair.</summary>
public sealed class UintrPipeConformanceTests : PipeConformanceTests
{
    protected override PipePair CreatePair(int capacity = 4096)
    {
        var (a, b) = UintrPipe.CreatePair(Small(capacity));
        return new PipePair(a, b, () =>
        {
            a.Dispose();
            b.Dispose();
        });
    }

    /// <remarks>
    /// UintrPipe only: the contract leaves AdvanceTo with a position from elsewhere undefined
    /// (the runtime's Pipe fails with an InvalidCastException); UintrPipe promises to refuse it
    /// and keep its state, since a reader's bug must not corrupt a ring shared with another process.
    /// </remarks>
    [Fact]
    public async Task AdvanceToOutsideTheLastBufferIsRefusedAndChangesNothing()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            await a.Output.WriteAsync(Pattern(10));
            ReadResult result = await b.Input.ReadAsync();
            var foreign = new ReadOnlySequence<byte>(new byte[20]);
            Assert.Throws<InvalidOperationException>(() => b.Input.AdvanceTo(foreign.GetPosition(15)));
            Assert.Throws<ArgumentOutOfRangeException>(() => b.Input.AdvanceTo(result.Buffer.End, result.Buffer.Start));
            b.Input.AdvanceTo(result.Buffer.GetPosition(4));
            ReadResult rest = await b.Input.ReadAsync();
            Assert.Equal(Pattern(10)[4..], rest.Buffer.ToArray());
            b.Input.AdvanceTo(rest.Buffer.End);
        }
    }
}
