using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// A ring stays mapped while a call is inside it and is unmapped by whichever comes last, the
/// Dispose or the call (Ring.Enter/Exit: the owner thread by a counter only it writes, another
/// caller on the slot, a call that awaits by a reference).
/// </summary>
public class PipeDisposeRaceTests
{
    [Fact]
    public async Task ARingDisposedWhileAReadWaitsIsUnmappedWhenTheReadEnds()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        {
            RingMapping ring = RingMapping.Of(b.InputRing);
            ValueTask<ReadResult> read = b.Input.ReadAsync(); // waits holding the ring
            Assert.False(read.IsCompleted);
            b.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Bounded(read, "read"));
            Assert.False(ring.IsMapped, "the ring is still mapped after the read that held it ended");
        }
    }

    [Fact]
    public async Task DisposeRacingReadsAndWritesNeverUnmapsUnderThemAndUnmapsOnce()
    {
        for (int round = 0; round < 2000; round++)
        {
            var (a, b) = UintrPipe.CreatePair(Small());
            RingMapping input = RingMapping.Of(b.InputRing), output = RingMapping.Of(b.OutputRing);
            await a.Output.WriteAsync(Pattern(64));
            int started = 0;
            // The reader and writer of b call in a loop, the test disposes b meanwhile: every
            // call succeeds or throws ObjectDisposedException, and nothing faults.
            Task calls = Task.Run(() =>
            {
                Volatile.Write(ref started, 1);
                try
                {
                    while (true)
                    {
                        if (b.Input.TryRead(out ReadResult result))
                            b.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                        b.Output.GetSpan(8);
                        _ = b.Output.FlushAsync().AsTask().GetAwaiter().GetResult(); // nothing to write: reads the consumer's state
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                catch (InvalidOperationException)
                {
                    // Completed by the Dispose before the disposed flag was seen.
                }
            });
            while (Volatile.Read(ref started) == 0)
                Thread.SpinWait(1);
            Thread.SpinWait(round % 64); // spread the Dispose over the calls' steps
            b.Dispose();
            await Bounded(calls, "the calls after Dispose");
            Assert.False(input.IsMapped || output.IsMapped, $"round {round}: a ring is still mapped");
            a.Dispose();
        }
    }
}
