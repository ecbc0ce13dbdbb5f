using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using UintrIpc.Pipes;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// Memory the application still holds (a read's buffer before <c>AdvanceTo</c>, <c>GetMemory</c>'s
/// before <c>Advance</c>) stays addressable past a <c>Dispose</c>: the ring file's pages give way
/// to private zero pages, so a late access reads zeros or writes nowhere instead of faulting, and
/// the address range goes when the memory is given back (docs/PIPE.md section 10). A fault here
/// would end the test process, which fails the run.
/// </summary>
public class PipeLentBufferTests
{
    private static long s_sink;

    [Fact]
    public async Task AReadBufferOutlivesDisposeAndItsRangeGoesAtAdvanceTo()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        {
            await a.Output.WriteAsync(Pattern(64));
            PipeReader input = b.Input; // the pipe's properties throw once it is disposed; its reader does not go
            ReadResult result = await Bounded(input.ReadAsync(), "read");
            RingMapping file = RingMapping.Of(b.InputRing);
            SafeHandle range = b.InputRing.Memory.Mapping;
            b.Dispose();
            Assert.False(file.IsMapped, "the ring file is still mapped after Dispose");
            Assert.False(range.IsClosed, "the range under the buffer went with Dispose");
            Assert.All(result.Buffer.ToArray(), value => Assert.Equal(0, value));
            Assert.Throws<ObjectDisposedException>(() => input.AdvanceTo(result.Buffer.End));
            Assert.True(range.IsClosed, "the range stayed after the buffer came back");
        }
    }

    [Fact]
    public void GetMemoryOutlivesDisposeAndItsRangeGoesAtAdvance()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        {
            PipeWriter output = b.Output;
            Memory<byte> memory = output.GetMemory(64);
            Assert.True(MemoryMarshal.TryGetMemoryManager<byte, RingMemory>(memory, out _), "GetMemory did not hand out ring memory");
            RingMapping file = RingMapping.Of(b.OutputRing);
            SafeHandle range = b.OutputRing.Memory.Mapping;
            b.Dispose();
            Assert.False(file.IsMapped, "the ring file is still mapped after Dispose");
            memory.Span.Fill(0xA5);
            Assert.False(range.IsClosed, "the range under the memory went with Dispose");
            Assert.Throws<ObjectDisposedException>(() => output.Advance(64));
            Assert.True(range.IsClosed, "the range stayed after the memory came back");
        }
    }

    [Fact]
    public void ABufferKeepsItsRangeAfterItsDisposedPipeIsCollected()
    {
        WeakReference range = ReadWhatACollectedPipeLeft();
        Collect();
        Assert.False(range.IsAlive, "the range outlived the buffer");
    }

    [Fact]
    public async Task DisposeRacingAccessesToLentMemoryNeverFaults()
    {
        for (int round = 0; round < 2000; round++)
        {
            var (a, b) = UintrPipe.CreatePair(Small());
            await a.Output.WriteAsync(Pattern(256));
            SafeHandle inputRange = b.InputRing.Memory.Mapping, outputRange = b.OutputRing.Memory.Mapping;
            PipeReader input = b.Input;
            PipeWriter output = b.Output;
            int started = 0;
            // b's reader sums every byte of its buffer before AdvanceTo, its writer fills its
            // span before Advance, and the test disposes b meanwhile, spread over those steps.
            Task calls = Task.Run(() =>
            {
                Volatile.Write(ref started, 1);
                long sum = 0;
                try
                {
                    while (true)
                    {
                        if (input.TryRead(out ReadResult result))
                        {
                            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                            {
                                foreach (byte value in segment.Span)
                                    sum += value;
                            }
                            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                        }
                        output.GetSpan(64)[..64].Fill((byte)round);
                        output.Advance(0);
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                catch (InvalidOperationException)
                {
                    // Completed by the Dispose before the disposed flag was seen.
                }
                Volatile.Write(ref s_sink, sum);
            });
            while (Volatile.Read(ref started) == 0)
                Thread.SpinWait(1);
            Thread.SpinWait(round % 64);
            b.Dispose();
            await Bounded(calls, "the calls after Dispose");
            Assert.True(inputRange.IsClosed && outputRange.IsClosed, $"round {round}: a ring's range stayed after its memory came back");
            a.Dispose();
        }
    }

    /// <summary>
    /// Reads a buffer, disposes both pipes and lets go of them, collects them, and reads the
    /// buffer: it faults if the range went with the pipe. Returns the range, which the buffer
    /// alone kept, once the buffer is gone with this frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ReadWhatACollectedPipeLeft()
    {
        var (buffer, ring, range) = ReadThenDispose();
        Collect();
        Assert.False(ring.IsAlive, "the ring was not collected, so this test shows nothing");
        Assert.True(range.IsAlive, "the buffer did not keep its range");
        Assert.All(buffer.ToArray(), value => Assert.Equal(0, value));
        return range;
    }

    /// <summary>Reads a buffer, disposes both pipes and lets go of them: only the buffer is left.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ReadOnlySequence<byte> Buffer, WeakReference Ring, WeakReference Range) ReadThenDispose()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        a.Output.WriteAsync(Pattern(64)).AsTask().GetAwaiter().GetResult();
        Assert.True(b.Input.TryRead(out ReadResult result), "nothing to read");
        var ring = new WeakReference(b.InputRing);
        var range = new WeakReference(b.InputRing.Memory.Mapping);
        a.Dispose();
        b.Dispose();
        return (result.Buffer, ring, range);
    }

    private static void Collect()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }
}
