using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace UintrIpc.Tests.Infrastructure.Bounds;

/// <summary>
/// xunit's own framework, with every test case bounded (<see cref="BoundedTestCase"/>): a test
/// that hangs fails on its own after its bound and the run goes on. Installed for the assembly
/// in AssemblyInfo.cs. xunit 2's <c>[Fact(Timeout = …)]</c> bounds only async tests; this bounds
/// synchronous ones too, with no change to any test.
/// </summary>
public sealed class BoundedTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformation, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformation, diagnostics)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            var bounds = TestBounds.Of(typeof(BoundedTestFramework).Assembly);
            var bounded = testCases.Select(testCase => (IXunitTestCase)new BoundedTestCase(testCase, bounds.For(testCase))).ToList();
            using var runner = new XunitTestAssemblyRunner(TestAssembly, bounded, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }
}
