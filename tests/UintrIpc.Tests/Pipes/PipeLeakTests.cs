using UintrIpc.Tests.Infrastructure;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>Dispose releases every descriptor and mapping of a pipe.</summary>
public class PipeLeakTests
{
    [Fact]
    public async Task TenThousandPipesLeaveDescriptorAndMappingCountsUnchanged()
    {
        // Warm up: the first pipe starts process-wide threads and maps their stacks.
        for (int i = 0; i < 3; i++)
        {
            var (a, b) = UintrPipe.CreatePair(Small());
            await a.Output.WriteAsync(Pattern(10));
            a.Dispose();
            b.Dispose();
        }
        ProcessResources before = ProcessResources.Settled();
        for (int i = 0; i < 10_000; i++)
        {
            var (a, b) = UintrPipe.CreatePair(Small());
            if (i % 10 == 0)
            {
                await a.Output.WriteAsync(Pattern(100));
                Assert.True(b.Input.TryRead(out var result));
                b.Input.AdvanceTo(result.Buffer.End);
            }
            a.Dispose();
            b.Dispose();
        }
        ProcessResources after = ProcessResources.Settled();
        // Exact for what a pipe maps and opens (memfds); the runtime's own mappings (GC heap,
        // stacks) grow by a few lines at most, where a leak of one per pipe (a ring's guard
        // pages, say) would be 10 000. They may also shrink by dozens, when the GC gives regions
        // back (seen in a CI run: 772 -> 729), which no leak can cause.
        // Ours only: the runtime double-maps JIT code through memfds of its own (doublemapper).
        int Memfds(ProcessResources r) => r.MappingLines.Count(line => line.Contains("memfd:uintr-ipc", StringComparison.Ordinal));
        Assert.Equal(before.Descriptors, after.Descriptors);
        Assert.Equal(Memfds(before), Memfds(after));
        Assert.True(after.Mappings - before.Mappings <= 8,
            $"descriptors {before.Descriptors} -> {after.Descriptors}, mappings {before.Mappings} -> {after.Mappings}:\n"
            + string.Join('\n', after.DescriptorTargets.Except(before.DescriptorTargets))
            + "\n" + string.Join('\n', after.MappingLines.Except(before.MappingLines).Take(20)));
    }
}
