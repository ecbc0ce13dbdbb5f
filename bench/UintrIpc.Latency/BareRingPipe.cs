using System.Buffers;
using System.IO.Pipelines;

namespace UintrIpc.Latency;

/// <summary>
/// Diagnostic: a <see cref="PipeReader"/> and <see cref="PipeWriter"/> over two
/// <see cref="BareRing"/>s with nothing but the calls: no validation, no guard, no doorbell, no
/// completion, cancellation or waiting. The reader hands out the ring's memory in segments and
/// frees at <see cref="PipeReader.AdvanceTo(SequencePosition)"/>, the writer hands out ring
/// memory and publishes at <see cref="PipeWriter.FlushAsync"/>: the least any Pipelines
/// implementation over this ring does, so <c>ring-pipelines</c> is uintr-pipe's floor for the
/// same application code.
/// </summary>
internal readonly struct BareRingPipe : IPipeEnds
{
    private readonly Primitives.SharedPage _page;

    public BareRingPipe(System.Net.Sockets.Socket control, bool parent)
    {
        _page = SharedMemory.Open(control, parent, "uintripc-bench-ring-pipelines");
        (BareRing output, BareRing input) = BareRing.Pair(_page, parent);
        Input = new Reader(input);
        Output = new Writer(output);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public void Dispose() => _page.Dispose();

    private sealed class Reader : PipeReader
    {
        private readonly BareRing _ring;
        private readonly Segment _first;
        private readonly Segment _second;
        private long _head;

        public unsafe Reader(BareRing ring)
        {
            _ring = ring;
            ReadOnlyMemory<byte> data = new PointerMemory(ring.Data, BareRing.DataSize).Memory;
            _second = new Segment(data, next: null);
            _first = new Segment(data, _second);
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            ReadAtLeastAsyncCore(1, cancellationToken);

        protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken)
        {
            long tail;
            while ((tail = _ring.Tail) - _head < Math.Max(minimumSize, 1))
                BareRing.Pause();
            _ring.Prefetch(_head);
            int offset = BareRing.Offset(_head);
            long lap = _head - offset;
            _first.MoveTo(lap);
            _second.MoveTo(lap + BareRing.DataSize);
            int end = offset + (int)(tail - _head);
            ReadOnlySequence<byte> buffer = end <= BareRing.DataSize
                ? new(_first, offset, _first, end)
                : new(_first, offset, _second, end - BareRing.DataSize);
            return new(new ReadResult(buffer, isCanceled: false, isCompleted: false));
        }

        public override bool TryRead(out ReadResult result) => throw new NotSupportedException();

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            _head = ((Segment)consumed.GetObject()!).RunningIndex + consumed.GetInteger();
            _ring.Free(_head);
        }

        public override void CancelPendingRead() => throw new NotSupportedException();

        public override void Complete(Exception? exception = null)
        {
        }
    }

    private sealed class Writer(BareRing ring) : PipeWriter
    {
        private long _tail;
        private int _advanced;

        // Up to the data area's end and never waiting for space: the ping-pong's 64-byte
        // messages never straddle the end of the 1 KiB area, and one is in flight at a time.
        public override Span<byte> GetSpan(int sizeHint = 0)
        {
            int offset = BareRing.Offset(_tail + _advanced);
            return ring.Span(_tail + _advanced, BareRing.DataSize - offset);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException();

        public override void Advance(int bytes) => _advanced += bytes;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _tail += _advanced;
            _advanced = 0;
            ring.Publish(_tail);
            return new(new FlushResult(isCanceled: false, isCompleted: false));
        }

        public override void CancelPendingFlush() => throw new NotSupportedException();

        public override void Complete(Exception? exception = null)
        {
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? next)
        {
            Memory = memory;
            Next = next;
        }

        public void MoveTo(long runningIndex) => RunningIndex = runningIndex;
    }

    private sealed unsafe class PointerMemory(byte* data, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(data, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(data + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
