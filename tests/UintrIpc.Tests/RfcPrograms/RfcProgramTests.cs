using UintrIpc.Tests.Package;

namespace UintrIpc.Tests.RfcPrograms;

/// <summary>
/// The RFC-style C programs in native/tests, built with native/rfc-cc and run against the UINTR
/// simulator (docs/PORTING.md, "RFC C programs on any Linux"): one test per program, each built
/// and run by native/tests/run.sh, which bounds the run (a lost wake-up hangs the program and
/// fails here, never at CI's limit).
/// </summary>
public sealed class RfcProgramTests
{
    public static TheoryData<string> Programs { get; } = new()
    {
        "errnos",    // the RFC v1 errnos; other syscall numbers still reach the kernel
        "pending",   // UIF clear: posts pend, coalesce, end uintr_wait at once; _stui delivers highest first
        "pingpong",  // two threads, 100 000 round trips through _senduipi and the race-free uintr_wait
        "processes", // fork: an inherited and an SCM_RIGHTS-passed uintr_fd, a two-process ping-pong
        "threads",   // the handler gets the vector on the receiving thread; a post wakes uintr_wait
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public void Runs_unchanged_on_the_simulator(string program)
    {
        var (exit, output) = RepositoryPaths.Run("bash", [Path.Combine(RepositoryPaths.Root, "native", "tests", "run.sh"), program],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);
        Assert.Contains($"PASS {program}\n", output);
    }

    [Fact]
    public void Every_program_in_native_tests_has_a_case_here()
    {
        string[] onDisk = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "native", "tests"), "*.c")
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(((IEnumerable<object[]>)Programs).Select(row => (string)row[0]).ToArray(), onDisk);
    }
}
