using UintrIpc.TestInterop;
using UintrIpc.Engine;

namespace UintrIpc.Tests.Async;

/// <summary>WaitAsync has Wait's contract: results, timeouts, pending at entry, bad arguments, and where handlers run.</summary>
public sealed class WaitAsyncTests
{
    [Fact]
    public void Pending_at_entry_completes_synchronously_with_true()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(7);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        ValueTask<bool> wait = receiver.WaitAsync(TimeSpan.Zero);
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(AsyncWait.Finish(wait));
        Assert.Equal([7], recorder.Calls);
        Assert.Equal(0, receiver.Statistics.Blocks);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    public void Returns_false_on_timeout_and_not_before_it(int milliseconds)
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(2);
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var clock = Stopwatch.StartNew();
        Assert.False(AsyncWait.Finish(receiver.WaitAsync(timeout)));
        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(1), $"returned false after {clock.Elapsed}, before the {timeout} timeout");
        Assert.Empty(recorder.Calls);
        AsyncWait.DispatcherEmpty();
    }

    [Fact]
    public void A_post_to_a_sleeping_waiter_completes_it_with_true_and_the_handler_runs_on_the_woken_thread_given_away()
    {
        string? handlerThread = null;
        int[] leadersDuringHandler = [0];
        int handlerTid = 0;
        using var receiver = UintrReceiver.Register(_ =>
        {
            handlerThread = Thread.CurrentThread.Name;
            handlerTid = LibC.gettid();
            leadersDuringHandler = FutexEngine.LeaderThreadIds();
        }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(40);
        using var sender = UintrSender.Register(fd);
        ValueTask<bool> wait = AsyncWait.WithoutContext(() => receiver.WaitAsync(Until.Hang));
        Assert.False(wait.IsCompleted);
        AsyncWait.Asleep(receiver);
        Assert.Equal(1, FutexEngine.Waiting);
        sender.Send();
        Assert.True(AsyncWait.Finish(wait));
        // With no synchronization context the handler runs on the engine thread the kernel woke,
        // which no longer leads any shard while the application's code runs there.
        Assert.Equal("UintrIpc engine", handlerThread);
        Assert.DoesNotContain(handlerTid, leadersDuringHandler);
        Assert.Equal(1, receiver.Statistics.Wakeups);
        AsyncWait.DispatcherEmpty();
    }

    [Fact]
    public void The_handler_runs_in_the_callers_synchronization_context()
    {
        var context = new RecordingContext();
        int handlerDepth = -1;
        using var receiver = UintrReceiver.Register(_ => handlerDepth = RecordingContext.Depth, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        ValueTask<bool> wait;
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            wait = receiver.WaitAsync(Until.Hang);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        AsyncWait.Asleep(receiver);
        sender.Send();
        Assert.True(AsyncWait.Finish(wait));
        Assert.True(context.Posts > 0, "the resumption was not posted to the caller's context");
        Assert.Equal(1, handlerDepth);
    }

    [Fact]
    public void Spins_inline_first_so_a_post_during_the_spin_never_reaches_the_dispatcher()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.FromSeconds(30) });
        using UintrFd fd = receiver.CreateFd(3);
        using var sender = UintrSender.Register(fd);
        using var poster = new Timer(_ => sender.Send(), null, 20, Timeout.Infinite);
        // The spin runs inside WaitAsync on this thread: the post arrives during it.
        ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(AsyncWait.Finish(wait));
        Assert.Equal(0, receiver.Statistics.Blocks);
    }

    [Fact]
    public void Without_any_vector_it_times_out()
    {
        using var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        Assert.False(AsyncWait.Finish(receiver.WaitAsync(TimeSpan.FromMilliseconds(20))));
    }

    [Fact]
    public void A_vector_created_while_asleep_is_watched()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, AsyncWait.NoSpin);
        using UintrFd first = receiver.CreateFd(0);
        ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
        AsyncWait.Asleep(receiver);
        using UintrFd second = receiver.CreateFd(9);
        using var sender = UintrSender.Register(second);
        AsyncWait.Asleep(receiver, 1); // woken by the new vector, asleep again watching both
        sender.Send();
        Assert.True(AsyncWait.Finish(wait));
        Assert.Equal([9], recorder.Calls);
    }

    [Fact]
    public void A_vector_closed_while_asleep_stops_being_watched_and_the_others_still_work()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, AsyncWait.NoSpin);
        UintrFd closing = receiver.CreateFd(5);
        using UintrFd staying = receiver.CreateFd(6);
        using var sender = UintrSender.Register(staying);
        ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
        AsyncWait.Asleep(receiver);
        closing.Dispose();
        AsyncWait.Asleep(receiver, 1);
        Assert.False(wait.IsCompleted);
        sender.Send();
        Assert.True(AsyncWait.Finish(wait));
        Assert.Equal([6], recorder.Calls);
    }

    [Fact]
    public void Cancellation_before_the_wait_throws()
    {
        using var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        Assert.Throws<OperationCanceledException>(() => receiver.WaitAsync(Until.Hang, new CancellationToken(canceled: true)));
        Assert.Equal(0, FutexEngine.Waiting);
    }

    [Fact]
    public void Cancellation_while_asleep_throws_and_frees_the_dispatcher_slot()
    {
        using var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        using var cts = new CancellationTokenSource();
        ValueTask<bool> wait = receiver.WaitAsync(Until.Hang, cts.Token);
        AsyncWait.Asleep(receiver);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => AsyncWait.Finish(wait));
        AsyncWait.DispatcherEmpty();
        // The receiver is free again and works.
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.True(AsyncWait.Finish(receiver.WaitAsync(Until.Hang)));
    }

    [Fact]
    public void Disabled_interrupts_are_an_InvalidOperationException()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        receiver.DisableInterrupts();
        Assert.Throws<InvalidOperationException>(() => receiver.WaitAsync(TimeSpan.Zero));
        receiver.EnableInterrupts();
        Assert.False(AsyncWait.Finish(receiver.WaitAsync(TimeSpan.Zero)));
    }

    [Fact]
    public void WaitAsync_from_a_handler_is_an_InvalidOperationException()
    {
        Exception? inside = null;
        UintrReceiver? self = null;
        using var receiver = UintrReceiver.Register(_ => inside = Record(() => self!.WaitAsync(TimeSpan.Zero)));
        self = receiver;
        using UintrFd fd = receiver.CreateFd(0);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.IsType<InvalidOperationException>(inside);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(-1000)]
    public void A_negative_timeout_other_than_infinite_is_an_ArgumentOutOfRangeException(int milliseconds)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        Assert.Throws<ArgumentOutOfRangeException>(() => receiver.WaitAsync(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void On_a_disposed_receiver_it_is_an_ObjectDisposedException()
    {
        var receiver = UintrReceiver.Register(_ => { });
        receiver.Dispose();
        Assert.Throws<ObjectDisposedException>(() => receiver.WaitAsync(TimeSpan.Zero));
    }

    [Fact]
    public void A_handler_exception_propagates_out_of_the_await_and_the_receiver_keeps_working()
    {
        var recorder = new Recorder(v =>
        {
            if (v == 8)
                throw new FormatException("handler failed");
        });
        using var receiver = UintrReceiver.Register(recorder.Handler, AsyncWait.NoSpin);
        using UintrFd high = receiver.CreateFd(8), low = receiver.CreateFd(4);
        using var toHigh = UintrSender.Register(high);
        using var toLow = UintrSender.Register(low);
        ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
        AsyncWait.Asleep(receiver);
        toHigh.Send();
        Assert.Throws<FormatException>(() => AsyncWait.Finish(wait));
        AsyncWait.DispatcherEmpty();
        ValueTask<bool> next = receiver.WaitAsync(Until.Hang);
        toLow.Send();
        Assert.True(AsyncWait.Finish(next));
        Assert.Equal([8, 4], recorder.Calls);
    }

    private static Exception? Record(Func<ValueTask<bool>> call)
    {
        try
        {
            call();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Runs posted callbacks on the thread pool, marking them so a handler can tell it ran inside.</summary>
    private sealed class RecordingContext : SynchronizationContext
    {
        [ThreadStatic]
        private static int t_depth;

        private int _posts;

        public static int Depth => t_depth;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                SynchronizationContext.SetSynchronizationContext(this);
                t_depth++;
                try
                {
                    d(state);
                }
                finally
                {
                    t_depth--;
                    SynchronizationContext.SetSynchronizationContext(null);
                }
            });
        }
    }
}
