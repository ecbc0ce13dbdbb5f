using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;

namespace UintrIpc.Bench.Micro;

/// <summary>
/// The steady-state cost of one message through a <see cref="UintrPipe"/> in one thread (write
/// 64 bytes, flush, read, advance): the memory diagnoser shows that a message allocates nothing.
/// No waiting happens here (the data is always there), so this is the pipe's own work per message.
/// </summary>
[MemoryDiagnoser]
public class PipeBenchmarks
{
    private const int MessageSize = 64;
    private UintrPipe _first = null!;
    private UintrPipe _second = null!;
    private PipeWriter _output = null!;
    private PipeReader _input = null!;
    private readonly byte[] _message = new byte[MessageSize];

    [GlobalSetup]
    public void Setup()
    {
        (_first, _second) = UintrPipe.CreatePair(new UintrPipeOptions { RingSize = 65536 });
        _output = _first.Output;
        _input = _second.Input;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _first.Dispose();
        _second.Dispose();
    }

    [Benchmark(Description = "64-byte message: GetSpan, Advance, FlushAsync, ReadAsync, AdvanceTo")]
    public long MessageThroughPipe()
    {
        _message.CopyTo(_output.GetSpan(MessageSize));
        _output.Advance(MessageSize);
        ValueTask<FlushResult> flush = _output.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
            throw new InvalidOperationException("a flush into a ring with room waited");
        ValueTask<ReadResult> read = _input.ReadAsync();
        if (!read.IsCompletedSuccessfully)
            throw new InvalidOperationException("a read of published data waited");
        ReadOnlySequence<byte> buffer = read.Result.Buffer;
        long length = buffer.Length;
        _input.AdvanceTo(buffer.End);
        return length;
    }

    [Benchmark(Description = "64-byte WriteAsync, then TryRead and AdvanceTo")]
    public long WriteAsyncAndTryRead()
    {
        ValueTask<FlushResult> write = _output.WriteAsync(_message);
        if (!write.IsCompletedSuccessfully)
            throw new InvalidOperationException("a write into a ring with room waited");
        if (!_input.TryRead(out ReadResult result))
            throw new InvalidOperationException("nothing to read");
        long length = result.Buffer.Length;
        _input.AdvanceTo(result.Buffer.End);
        return length;
    }
}
