using UintrIpc.Tests.Infrastructure.Bounds;

// The leak tests count /proc/self/fd and /proc/self/maps, and the ping-pong and race tests
// need both cores of the test machine: run the test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Every test is bounded on its own (Infrastructure/Bounds): a hang fails that test after
// TestBounds.DefaultSeconds (UINTR_TEST_BOUND_SECONDS scales every bound) and the run goes on.
[assembly: TestFramework("UintrIpc.Tests.Infrastructure.Bounds.BoundedTestFramework", "UintrIpc.Tests")]

// Tests that run long by design; each bound is a few times the test's run time on a loaded host,
// and below hang.runsettings' backstop.
[assembly: TestBound("UintrIpc.Tests.LostWakeupTests.Asymmetric_ping_pong", 240, "a million rounds; its own deadline")]
[assembly: TestBound("UintrIpc.Tests.Pipes.PipeDisposeRaceTests", 600, "thousands of dispose races against reads and writes")]
[assembly: TestBound("UintrIpc.Tests.Pipes.PipeLentBufferTests.DisposeRacing", 180, "dispose races against lent memory")]
[assembly: TestBound("UintrIpc.Tests.Pipes.PipeCrossProcessTests.PeerKilledWhileStreaming", 120, "many kills of a streaming child")]
[assembly: TestBound("UintrIpc.Tests.Pipes.PipeGigabyteTests", 120, "a gigabyte through the ring")]
[assembly: TestBound("UintrIpc.Tests.Pipes.PipeLeakTests", 60, "ten thousand pipes")]
[assembly: TestBound("UintrIpc.Tests.Pipes.PipeLostWakeupTests", 60, "15 s of ping-pong and a 10 s stall watchdog")]
[assembly: TestBound("UintrIpc.Tests.Package", 300, "builds, packs and restores projects")]
[assembly: TestBound("UintrIpc.Tests.Async.DispatcherScaleTests.Threads_descriptors_and_memory", 300, "100 000 create-await-dispose cycles")]
[assembly: TestBound("UintrIpc.Tests.Async.WaitAsyncExclusionTests", 120, "racing callers, many rounds")]
[assembly: TestBound("UintrIpc.Tests.Async.AllocationTests", 120, "steady-state allocation counting")]
