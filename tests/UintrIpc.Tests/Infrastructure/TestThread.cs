namespace UintrIpc.Tests.Infrastructure;

/// <summary>A dedicated thread running one function, whose outcome the test collects with a hang deadline.</summary>
internal sealed class TestThread<T>
{
    private readonly Thread _thread;
    private T? _result;
    private Exception? _exception;

    public TestThread(Func<T> body, string name = "test worker")
    {
        _thread = new Thread(() =>
        {
            try
            {
                _result = body();
            }
            catch (Exception e)
            {
                _exception = e;
            }
        })
        { IsBackground = true, Name = name };
        _thread.Start();
    }

    public int ManagedThreadId => _thread.ManagedThreadId;

    public bool IsFinished => !_thread.IsAlive;

    /// <summary>Waits for the thread; false when it is still running after <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>The function's result; fails the test on a hang, rethrows what the function threw.</summary>
    public T Result(TimeSpan? timeout = null)
    {
        Assert.True(_thread.Join(timeout ?? Until.Hang), $"{_thread.Name} hung");
        if (_exception is not null)
            ExceptionDispatchInfoThrow(_exception);
        return _result!;
    }

    /// <summary>What the function threw; fails the test on a hang or when it returned normally.</summary>
    public TException Exception<TException>(TimeSpan? timeout = null) where TException : Exception
    {
        Assert.True(_thread.Join(timeout ?? Until.Hang), $"{_thread.Name} hung");
        Assert.True(_exception is not null, $"{_thread.Name} returned {_result} instead of throwing {typeof(TException).Name}");
        return Assert.IsAssignableFrom<TException>(_exception);
    }

    private static void ExceptionDispatchInfoThrow(Exception e) =>
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
}

internal static class TestThread
{
    public static TestThread<T> Start<T>(Func<T> body, string name = "test worker") => new(body, name);

    public static TestThread<bool> Start(Action body, string name = "test worker") => new(() =>
    {
        body();
        return true;
    }, name);
}
