using System.Buffers;
using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// A peer that writes garbage into the shared header can break only its own stream: EPROTO on
/// the victim's next call, never an access outside the ring, never a hang (docs/PIPE.md section 6).
/// </summary>
public class PipeHostilePeerTests
{
    private const int Ring = 4096;

    /// <summary>
    /// Every test here runs with the ring between two inaccessible pages: an access outside the
    /// ring that the validation let through would fault the test host, not pass unnoticed.
    /// </summary>
    [Fact]
    public unsafe void TheRingSitsBetweenInaccessibleGuardPages()
    {
        var (a, b) = UintrPipe.CreatePair(Small(Ring));
        using (a)
        using (b)
        {
            foreach (ulong header in new[] { (ulong)b.InputRing.Header, (ulong)b.OutputRing.Header })
            {
                ulong end = header + 4096 + Ring;
                string[] maps = File.ReadAllLines("/proc/self/maps");
                Assert.Contains(maps, line => Covers(line, header - 4096, header) && Permissions(line) == "---p");
                Assert.Contains(maps, line => Covers(line, header, end) && Permissions(line).StartsWith("rw-s", StringComparison.Ordinal));
                Assert.Contains(maps, line => Covers(line, end, end + 4096) && Permissions(line) == "---p");
            }
        }

        static bool Covers(string line, ulong from, ulong to)
        {
            string[] range = line.Split(' ')[0].Split('-');
            return Convert.ToUInt64(range[0], 16) <= from && to <= Convert.ToUInt64(range[1], 16);
        }

        static string Permissions(string line) => line.Split(' ')[1];
    }

    [Fact]
    public async Task ProducerPositionBeyondTheRingIsEproto()
    {
        var (a, b) = UintrPipe.CreatePair(Small(Ring));
        using (a)
        using (b)
        {
            b.InputRing.Tail = Ring + 1;
            var e = await Assert.ThrowsAsync<UintrException>(async () => await b.Input.ReadAsync());
            Assert.Equal(71, e.Errno);
            b.InputRing.Tail = 0; // a protocol violation is permanent for that direction
            Assert.Equal(71, Assert.Throws<UintrException>(() => b.Input.TryRead(out _)).Errno);
            // The other direction is untouched.
            await b.Output.WriteAsync(Pattern(3));
            ReadResult other = await Bounded(a.Input.ReadAsync(), "read");
            Assert.Equal(Pattern(3), other.Buffer.ToArray());
            a.Input.AdvanceTo(other.Buffer.End);
        }
    }

    [Fact]
    public async Task ProducerPositionGoingBackIsEproto()
    {
        var (a, b) = UintrPipe.CreatePair(Small(Ring));
        using (a)
        using (b)
        {
            await a.Output.WriteAsync(Pattern(100));
            ReadResult result = await b.Input.ReadAsync();
            b.Input.AdvanceTo(result.Buffer.GetPosition(10), result.Buffer.End);
            b.InputRing.Tail = 50;
            Assert.Equal(71, (await Assert.ThrowsAsync<UintrException>(async () => await b.Input.ReadAsync())).Errno);
        }
    }

    [Fact]
    public async Task ConsumerPositionPastWhatWasPublishedIsEproto()
    {
        var (a, b) = UintrPipe.CreatePair(Small(Ring));
        using (a)
        using (b)
        {
            await a.Output.WriteAsync(Pattern(100));
            a.OutputRing.Head = 101;
            // More than the free space the writer knows of: it reads the consumer's position.
            Assert.Equal(71, (await Assert.ThrowsAsync<UintrException>(async () => await a.Output.WriteAsync(Pattern(Ring)))).Errno);
            Assert.Equal(71, Assert.Throws<UintrException>(() => a.Output.GetMemory(1)).Errno);
        }
    }

    [Fact]
    public async Task UnknownStatesAndStatesGoingBackAreEproto()
    {
        var (a, b) = UintrPipe.CreatePair(Small(Ring));
        using (a)
        using (b)
        {
            b.InputRing.ProducerState = 7;
            Assert.Equal(71, (await Assert.ThrowsAsync<UintrException>(async () => await b.Input.ReadAsync())).Errno);
            a.OutputRing.ConsumerState = 1;
            await a.Output.WriteAsync(Pattern(1));   // completed: the flush says so
            a.OutputRing.ConsumerState = 0;          // and back: a violation
            Assert.Equal(71, (await Assert.ThrowsAsync<UintrException>(async () => await a.Output.WriteAsync(Pattern(1)))).Errno);
        }
    }

    [Fact]
    public async Task RandomHeadersNeverLeadOutsideTheRing()
    {
        var random = new Random(1234);
        int protocolErrors = 0, reads = 0;
        for (int round = 0; round < 500; round++)
        {
            var (a, b) = UintrPipe.CreatePair(Small(Ring));
            using (a)
            using (b)
            {
                await a.Output.WriteAsync(Pattern(random.Next(0, Ring), round));
                // The hostile producer: any position near the real one or anywhere, any state.
                ulong tail = (ulong)random.Next(5) switch
                {
                    0 => (ulong)random.NextInt64(),
                    1 => (ulong)random.Next(0, 2 * Ring),
                    2 => ulong.MaxValue - (ulong)random.Next(Ring),
                    _ => (ulong)random.Next(0, Ring + 1),
                };
                b.InputRing.Tail = tail;
                b.InputRing.ProducerState = (uint)random.Next(4);
                b.InputRing.SpaceWanted = (uint)random.Next();
                // The hostile consumer, for the other direction.
                a.OutputRing.Head = (ulong)random.NextInt64();
                a.OutputRing.ConsumerState = (uint)random.Next(3);
                try
                {
                    if (b.Input.TryRead(out ReadResult result))
                    {
                        Assert.True(result.Buffer.Length <= Ring);
                        long sum = 0;
                        foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                            foreach (byte x in segment.Span)
                                sum += x; // every byte handed out is readable
                        Assert.True(sum >= 0);
                        b.Input.AdvanceTo(result.Buffer.End);
                        reads++;
                    }
                }
                catch (UintrException e) when (e.Errno is 71 or 104)
                {
                    protocolErrors++;
                }
                try
                {
                    Memory<byte> memory = a.Output.GetMemory(1);
                    memory.Span.Fill(0xAB); // ring memory or staging, never outside
                    a.Output.Advance(memory.Length);
                    using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1));
                    await a.Output.FlushAsync(cts.Token);
                }
                catch (UintrException e) when (e.Errno == 71)
                {
                    protocolErrors++;
                }
                catch (OperationCanceledException)
                {
                    // a plausible head that leaves the ring full: the flush waits for space
                }
            }
        }
        Assert.True(protocolErrors > 100, $"only {protocolErrors} protocol errors");
        Assert.True(reads > 10, $"only {reads} reads");
    }
}
