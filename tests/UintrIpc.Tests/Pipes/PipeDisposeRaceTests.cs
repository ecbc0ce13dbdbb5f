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
            Mapping ring = Mapping.Of(b.InputRing);
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
            Mapping input = Mapping.Of(b.InputRing), output = Mapping.Of(b.OutputRing);
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

    /// <summary>
    /// A ring's mapping as /proc/self/maps shows it: its address and its memfd's inode. Tests
    /// running meanwhile map rings too, and one may land at the same address once this one is
    /// gone, so "still mapped" means that address with the same file.
    /// </summary>
    private sealed record Mapping(ulong Address, string Inode)
    {
        public static unsafe Mapping Of(UintrIpc.Pipes.Ring ring)
        {
            ulong address = (ulong)ring.Header;
            return new(address, InodeAt(address) ?? throw new InvalidOperationException("the ring is not mapped"));
        }

        public bool IsMapped => InodeAt(Address) == Inode;

        private static string? InodeAt(ulong address)
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                // start-end perms offset dev inode path
                string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                string[] range = fields[0].Split('-');
                if (Convert.ToUInt64(range[0], 16) <= address && address < Convert.ToUInt64(range[1], 16))
                    return fields.Length == 6 && fields[5].Contains("memfd:", StringComparison.Ordinal) ? fields[4] : null;
            }
            return null;
        }
    }
}
