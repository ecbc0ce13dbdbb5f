using Xunit.Abstractions;
using Xunit.Sdk;

namespace UintrIpc.Tests.Infrastructure.Bounds;

/// <summary>
/// A test case that runs on a thread of its own and fails once it has run longer than its bound:
/// the test in flight is reported failed, with the threads of this process and what each sleeps
/// in, and the run goes on to the next test while the hung thread stays blocked in the
/// background. Everything else is the wrapped test case's (its messages name it, not this).
/// </summary>
internal sealed class BoundedTestCase : LongLivedMarshalByRefObject, IXunitTestCase
{
    private readonly IXunitTestCase _inner;
    private readonly TimeSpan _bound;

    public BoundedTestCase(IXunitTestCase inner, TimeSpan bound)
    {
        _inner = inner;
        _bound = bound;
    }

    /// <summary>For deserialization only: the executor wraps test cases after they are deserialized.</summary>
    [Obsolete("For deserialization only")]
    public BoundedTestCase()
    {
        _inner = null!;
        _bound = TimeSpan.FromSeconds(TestBounds.DefaultSeconds);
    }
    public string DisplayName => _inner.DisplayName;

    public string SkipReason => _inner.SkipReason;

    public ISourceInformation SourceInformation
    {
        get => _inner.SourceInformation;
        set => _inner.SourceInformation = value;
    }

    public ITestMethod TestMethod => _inner.TestMethod;

    public object[] TestMethodArguments => _inner.TestMethodArguments;

    public Dictionary<string, List<string>> Traits => _inner.Traits;

    public string UniqueID => _inner.UniqueID;

    public Exception InitializationException => _inner.InitializationException;

    public IMethodInfo Method => _inner.Method;

    public int Timeout => _inner.Timeout;

    public void Serialize(IXunitSerializationInfo info) => _inner.Serialize(info);

    public void Deserialize(IXunitSerializationInfo info) => _inner.Deserialize(info);

    public async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        if (!string.IsNullOrEmpty(_inner.SkipReason))
            return await _inner.RunAsync(diagnosticMessageSink, messageBus, constructorArguments, aggregator, cancellationTokenSource);
        var bus = new CutOffBus(messageBus);
        var clock = Stopwatch.StartNew();
        var started = new TaskCompletionSource<Task<RunSummary>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                // A synchronous test runs to its end inside this call.
                started.SetResult(_inner.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        })
        {
            IsBackground = true, // a hung test must not keep the test host alive
            Name = "bounded test",
        };
        thread.Start();
        Task<RunSummary> run = started.Task.Unwrap();
        if (await Task.WhenAny(run, Task.Delay(_bound)) == run)
            return await run;
        return bus.CutOff(_inner, (decimal)clock.Elapsed.TotalSeconds, _bound);
    }
}
