using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// A ring stays mapped while a call is inside it and is unmapped by whichever comes last, the
/// Dispose or the call (Ring.Enter/Exit: one caller on a slot, others by reference).
/// </summary>
public class PipeDisposeRaceTests
{
    [Fact]
    public async Task ARingDisposedWhileAReadWaitsIsUnmappedWhenTheReadEnds()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        {
            ulong header = RingAddress(b.InputRing);
            ValueTask<ReadResult> read = b.Input.ReadAsync(); // waits holding the ring
            Assert.False(read.IsCompleted);
            b.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Bounded(read, "read"));
            Assert.False(Mapped(header), "the ring is still mapped after the read that held it ended");
        }
    }

    [Fact]
    public async Task DisposeRacingReadsAndWritesNeverUnmapsUnderThemAndUnmapsOnce()
    {
        for (int round = 0; round < 2000; round++)
        {
            var (a, b) = UintrPipe.CreatePair(Small());
            ulong input = RingAddress(b.InputRing), output = RingAddress(b.OutputRing);
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
            Assert.False(Mapped(input) || Mapped(output), $"round {round}: a ring is still mapped");
            a.Dispose();
        }
    }

    private static unsafe ulong RingAddress(UintrIpc.Pipes.Ring ring) => (ulong)ring.Header;

    private static bool Mapped(ulong address) =>
        File.ReadLines("/proc/self/maps").Any(line =>
        {
            string[] range = line.Split(' ')[0].Split('-');
            return Convert.ToUInt64(range[0], 16) <= address && address < Convert.ToUInt64(range[1], 16)
                && line.Contains("memfd:", StringComparison.Ordinal);
        });
}
