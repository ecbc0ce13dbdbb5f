namespace UintrIpc.Pipes;

/// <summary>
/// TEMPORARY stand-in for <c>UintrReceiver.WaitAsync</c> while that is being built: spins with
/// <see cref="UintrReceiver.Poll"/>, then blocks a dedicated thread in <see cref="UintrReceiver.Wait(TimeSpan, CancellationToken)"/>.
/// <see cref="Doorbell"/> is its only caller; it goes when WaitAsync lands.
/// </summary>
internal static class TemporaryWaitAsync
{
    public static ValueTask<bool> WaitAsync(UintrReceiver receiver, TimeSpan spin, CancellationToken cancellationToken)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(spin.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (receiver.Poll() > 0)
                return new(true);
            Thread.SpinWait(1);
        }
        while (Environment.ProcessorCount > 1 && System.Diagnostics.Stopwatch.GetTimestamp() < end);
        return new(Task.Factory.StartNew(static state =>
        {
            var (r, token) = ((UintrReceiver, CancellationToken))state!;
            return r.Wait(Timeout.InfiniteTimeSpan, token);
        }, (receiver, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
    }
}
