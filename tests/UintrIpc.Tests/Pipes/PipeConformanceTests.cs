using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// The PipeReader/PipeWriter contract points custom pipes get wrong: ReadAtLeastAsync, examined
/// positions, empty segments, UnflushedBytes, positions from elsewhere; and System.Text.Json,
/// which leans on several of them, both ways. Run against <see cref="UintrPipe"/> and against the
/// runtime's own <see cref="Pipe"/>, so every test here is shown to test the contract, not
/// UintrPipe's reading of it.
/// </summary>
public abstract class PipeConformanceTests
{
    /// <summary>Two connected ends: what <c>A.Output</c> writes, <c>B.Input</c> reads, and back.</summary>
    public sealed class PipePair(IDuplexPipe a, IDuplexPipe b, Action dispose) : IDisposable
    {
        public void Deconstruct(out IDuplexPipe first, out IDuplexPipe second) => (first, second) = (a, b);

        public void Dispose() => dispose();
    }

    /// <summary>
    /// A connected pair whose writer holds at most about <paramref name="capacity"/> bytes the
    /// reader has not consumed before a flush waits (the ring size, or the pause threshold).
    /// </summary>
    protected abstract PipePair CreatePair(int capacity = 4096);

    [Fact]
    public async Task ReadAtLeastWaitsForTheMinimumNotJustNewData()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            await a.Output.WriteAsync(Pattern(10));
            ValueTask<ReadResult> read = b.Input.ReadAtLeastAsync(100);
            Assert.False(read.IsCompleted);
            for (int i = 0; i < 8; i++)
                await a.Output.WriteAsync(Pattern(10, i));
            Assert.False(read.IsCompleted); // 90 bytes: waits for 100, not for "new data since the last examine"
            await a.Output.WriteAsync(Pattern(10));
            ReadResult result = await Bounded(read, "read at least");
            Assert.True(result.Buffer.Length >= 100);
            b.Input.AdvanceTo(result.Buffer.End);
        }
    }

    [Fact]
    public async Task ReadWaitsForMoreAfterEverythingWasExaminedAndReturnsAtOnceOtherwise()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            await a.Output.WriteAsync(Pattern(10));
            ReadResult first = await b.Input.ReadAsync();
            b.Input.AdvanceTo(first.Buffer.Start, first.Buffer.GetPosition(5)); // half examined
            ReadResult again = await Bounded(b.Input.ReadAsync(), "read");     // 5 unexamined: at once
            Assert.Equal(10, again.Buffer.Length);
            b.Input.AdvanceTo(again.Buffer.Start, again.Buffer.End);          // all examined, none consumed
            ValueTask<ReadResult> pending = b.Input.ReadAsync();
            Assert.False(pending.IsCompleted);
            await a.Output.WriteAsync(Pattern(1));
            ReadResult more = await Bounded(pending, "read");
            Assert.Equal(11, more.Buffer.Length);
            b.Input.AdvanceTo(more.Buffer.End);
            Assert.False(b.Input.TryRead(out _));
        }
    }

    [Fact]
    public async Task NoSegmentIsEverEmptyAtAnyWrapOffset()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            var random = new Random(7);
            long expected = 0;
            for (int round = 0; round < 2000; round++)
            {
                int n = random.Next(1, 4096);
                await a.Output.WriteAsync(Pattern(n, round));
                expected += n;
                ReadResult result = await Bounded(b.Input.ReadAsync(), "read");
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                    Assert.False(segment.IsEmpty);
                Assert.Equal(Pattern(n, round), result.Buffer.ToArray());
                b.Input.AdvanceTo(result.Buffer.End);
            }
        }
    }

    [Fact]
    public async Task UnflushedBytesCountsRingAndStagedBytes()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            Assert.True(a.Output.CanGetUnflushedBytes);
            a.Output.GetSpan(100);
            a.Output.Advance(100);                       // ring memory
            Assert.Equal(100, a.Output.UnflushedBytes);
            a.Output.GetSpan(10_000);
            a.Output.Advance(10_000);                    // staged: larger than the ring
            Assert.Equal(10_100, a.Output.UnflushedBytes);
            Task<byte[]> read = ReadToEnd(b.Input);
            await Bounded(a.Output.FlushAsync(), "flush");
            Assert.Equal(0, a.Output.UnflushedBytes);
            a.Output.Complete();
            Assert.Equal(10_100, (await Bounded(new ValueTask<byte[]>(read), "read")).Length);
        }
    }

    [Fact]
    public void GetMemoryHonoursEveryHintAndAdvancePastItIsRefused()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            foreach (int hint in new[] { 0, 1, 4096, 4097, 100_000 })
                Assert.True(a.Output.GetMemory(hint).Length >= Math.Max(hint, 1));
            Memory<byte> memory = a.Output.GetMemory(16);
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Output.Advance(memory.Length + 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Output.GetMemory(-1));
        }
    }

    [Fact]
    public async Task StreamAdaptersOfTheRuntimeWorkOverThePipe()
    {
        using (PipePair pair = CreatePair())
        {
            var (a, b) = pair;
            byte[] data = Pattern(70_000);
            Task write = Task.Run(async () =>
            {
                await using Stream output = a.Output.AsStream();
                await output.WriteAsync(data);
            });
            using var copy = new MemoryStream();
            await using (Stream input = b.Input.AsStream())
                await Bounded(input.CopyToAsync(copy), "copy");
            await Bounded(write, "write");
            Assert.Equal(data, copy.ToArray());
        }
    }

    public sealed record Node(int Id, string Name, double[] Values, List<Node> Children);

    private static Node Graph(int depth, int fanout, ref int id)
    {
        int me = id++;
        var children = new List<Node>();
        if (depth > 0)
            for (int i = 0; i < fanout; i++)
                children.Add(Graph(depth - 1, fanout, ref id));
        return new Node(me, $"node {me} \u00e9\u4e2d", [me, me / 3.0, -me], children);
    }

    [Fact]
    public async Task WriteAsyncCompletesAtOnceWhenItFitsAndWaitsForSpaceWhenItDoesNot()
    {
        using (PipePair pair = CreatePair(4096))
        {
            var (a, b) = pair;
            byte[] data = Pattern(4096 + 100);
            ValueTask<FlushResult> fits = a.Output.WriteAsync(data.AsMemory(0, 4086));
            Assert.True(fits.IsCompletedSuccessfully); // within the free space the writer knows of
            Assert.False((await fits).IsCompleted);
            ValueTask<FlushResult> over = a.Output.WriteAsync(data.AsMemory(4086)); // 110 bytes, 10 free
            Assert.False(over.IsCompleted);
            byte[] received = new byte[data.Length];
            int got = 0;
            while (got < data.Length)
            {
                ReadResult result = await Bounded(b.Input.ReadAsync(), "read");
                result.Buffer.CopyTo(received.AsSpan(got));
                got += (int)result.Buffer.Length;
                b.Input.AdvanceTo(result.Buffer.End);
            }
            Assert.False((await Bounded(over, "the write larger than the free space")).IsCompleted);
            Assert.Equal(data, received);
        }
    }

    [Fact]
    public async Task SystemTextJsonSerializesALargeGraphBothWays()
    {
        using (PipePair pair = CreatePair(16384))
        {
            var (a, b) = pair;
            int id = 0;
            Node graph = Graph(depth: 6, fanout: 5, ref id); // 19 531 nodes, a few MB of JSON
            Task<Node?> fromA = JsonSerializer.DeserializeAsync<Node>(b.Input).AsTask();
            Task toB = Task.Run(async () =>
            {
                await JsonSerializer.SerializeAsync(a.Output, graph); // PipeWriter overload: UnflushedBytes
                await a.Output.CompleteAsync();
            });
            await Bounded(toB, "serialize a -> b");
            Node? received = await Bounded(new ValueTask<Node?>(fromA), "deserialize at b");
            Assert.Equal(JsonSerializer.Serialize(graph), JsonSerializer.Serialize(received));

            Task<Node?> fromB = JsonSerializer.DeserializeAsync<Node>(a.Input).AsTask();
            await Bounded(Task.Run(async () =>
            {
                await JsonSerializer.SerializeAsync(b.Output, received);
                await b.Output.CompleteAsync();
            }), "serialize b -> a");
            Node? back = await Bounded(new ValueTask<Node?>(fromB), "deserialize at a");
            Assert.Equal(JsonSerializer.Serialize(graph), JsonSerializer.Serialize(back));
            Assert.Equal(19_531, id);
        }
    }
}
