using System.Runtime.CompilerServices;

namespace UintrIpc;

public sealed partial class UintrReceiver
{
    private readonly Queue<int> _deliveredLog = new(); // under itself: vectors delivered while an enumeration is open, not yet yielded
    private int _readers;                               // open ReadAllAsync enumerations
    private TaskCompletionSource? _releasedSignal;      // under _lock: completed by Release

    /// <summary>
    /// Each delivered vector, in delivery order, as an asynchronous stream: the handler still
    /// runs first (at the safe point of the <see cref="WaitAsync(CancellationToken)"/> the
    /// enumeration makes), then the enumeration yields the vector it ran for. It ends when the
    /// receiver is disposed (after yielding what was delivered before).
    /// </summary>
    /// <remarks>
    /// Nothing is lost or yielded twice under cancellation: the enumeration yields everything
    /// delivered before it waits again, and a wait that is cancelled delivers what it had
    /// collected instead of throwing. Vectors delivered while an enumeration was open and not yet
    /// yielded when it ended (the consumer stopped early) are yielded first by the next one.
    /// Deliveries made while no enumeration is open (by <see cref="Poll"/> or
    /// <see cref="Wait(TimeSpan)"/>) are not recorded. The enumeration is a WaitAsync loop, so it
    /// excludes Wait, WaitAsync and Poll on other threads while it waits, and resumes where
    /// WaitAsync does.
    /// </remarks>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">Interrupts are disabled, or another Wait, WaitAsync or Poll is in progress, when the enumeration waits.</exception>
    /// <exception cref="UintrException">EOPNOTSUPP on the native path, as for WaitAsync.</exception>
    public async IAsyncEnumerable<int> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _readers);
        try
        {
            while (true)
            {
                while (TryTakeDelivered(out int vector))
                    yield return vector;
                if (!await WaitUnlessDisposedAsync(cancellationToken).ConfigureAwait(false))
                    break;
            }
            while (TryTakeDelivered(out int vector))
                yield return vector;
        }
        finally
        {
            Interlocked.Decrement(ref _readers);
        }
    }

    /// <summary>
    /// Disposes the receiver (<see cref="Dispose"/>) and completes once its pages are unmapped:
    /// at once, or when a Wait, WaitAsync or Poll still inside it on another thread has let go
    /// (it ends promptly with <see cref="ObjectDisposedException"/>). Do not await it from a
    /// handler of this receiver: the receiver is released only after the handler returns.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        lock (_lock)
        {
            if (_released)
                return ValueTask.CompletedTask;
            _releasedSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask(_releasedSignal.Task);
        }
    }

    /// <summary>One WaitAsync of the enumeration; false once the receiver is disposed.</summary>
    private async ValueTask<bool> WaitUnlessDisposedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }
    }

    /// <summary>In <see cref="RunHandler"/>: records the vector for the open enumerations.</summary>
    private void LogDelivery(int vector)
    {
        if (Volatile.Read(ref _readers) == 0)
            return;
        lock (_deliveredLog)
            _deliveredLog.Enqueue(vector);
    }

    private bool TryTakeDelivered(out int vector)
    {
        lock (_deliveredLog)
            return _deliveredLog.TryDequeue(out vector);
    }

    /// <summary>In <see cref="Release"/>, under <see cref="_lock"/>: DisposeAsync may complete.</summary>
    private void SignalReleased() => _releasedSignal?.TrySetResult();
}
