using UintrIpc.Engine;

namespace UintrIpc.Tests.Async;

/// <summary>Helpers for the async tests: a receiver that sleeps at once, and waiting for the dispatcher to hold it.</summary>
internal static class AsyncWait
{
    public static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    /// <summary>Blocks the test thread until <paramref name="wait"/> finished; a hang fails the test.</summary>
    public static T Finish<T>(ValueTask<T> wait)
    {
        Task<T> task = wait.AsTask();
        Assert.True(Task.WaitAny([task], Until.Hang) == 0, "the WaitAsync never completed");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Calls <paramref name="start"/> with no synchronization context (xunit installs one), so the await resumes on the thread pool.</summary>
    public static T WithoutContext<T>(Func<T> start)
    {
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return start();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    /// <summary>Blocks until <paramref name="task"/> finished and gives its result; a hang fails the test.</summary>
    public static T Finish<T>(Task<T> task)
    {
        Assert.True(Task.WaitAny([task], Until.Hang) == 0, "the WaitAsync never completed");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Blocks until <paramref name="task"/> ended, whatever its outcome, or <paramref name="bound"/> passed; whether it ended.</summary>
    public static bool Ends(Task task, TimeSpan bound) => Task.WaitAny([task], bound) == 0;

    /// <summary>Blocks until <paramref name="task"/> finished and rethrows its exception; a hang fails the test.</summary>
    public static void Finish(Task task)
    {
        Assert.True(Ends(task, Until.Hang), "the task never completed");
        task.GetAwaiter().GetResult();
    }

    /// <summary>Blocks until every task finished, whatever their outcome; a hang fails the test.</summary>
    public static void Settle(IEnumerable<Task> tasks)
    {
        Task all = Task.WhenAll(tasks);
        Assert.True(Task.WaitAny([all], Until.Hang) == 0, "some WaitAsync never completed");
    }

    /// <summary>Polls until <paramref name="receiver"/> has been handed to the dispatcher more than <paramref name="blocksBefore"/> times.</summary>
    public static void Asleep(UintrReceiver receiver, long blocksBefore = 0) => Until.Blocked(receiver, blocksBefore);

    /// <summary>Polls until no receiver is left in the dispatcher (the tests run one at a time).</summary>
    public static void DispatcherEmpty() =>
        Assert.True(Until.True(() => FutexEngine.Waiting == 0), $"{FutexEngine.Waiting} receivers still in the dispatcher");

    /// <summary>
    /// Runs <paramref name="iteration"/> <paramref name="iterations"/> times between two counts of
    /// descriptors and mappings, as the descriptor leak tests do (up to three windows: a leak
    /// repeats, noise does not). A receiver of its own stays asleep in the dispatcher meanwhile,
    /// so the dispatcher thread (which ends after a second without waiters) neither starts nor
    /// ends inside a window: its stack is not a leak.
    /// </summary>
    public static void AssertNoLeak(Action iteration, int iterations)
    {
        using var keeper = UintrReceiver.Register(_ => { }, NoSpin);
        ValueTask<bool> kept = WithoutContext(() => keeper.WaitAsync(Timeout.InfiniteTimeSpan));
        Asleep(keeper);
        iteration();
        iteration();
        string? failure = null;
        for (int attempt = 0; attempt < 3 && failure is not ""; attempt++)
        {
            var before = ProcessResources.Settled();
            for (int i = 0; i < iterations; i++)
                iteration();
            Assert.True(Until.True(() => FutexEngine.Waiting == 1), "a waiter stayed in the dispatcher");
            var after = ProcessResources.Now();
            failure = after.SameCounts(before) ? "" : after.DescribeChangesSince(before);
        }
        keeper.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Finish(kept));
        if (failure is not "")
            Assert.Fail($"after {iterations} iterations, in three windows: {failure}");
    }
}
