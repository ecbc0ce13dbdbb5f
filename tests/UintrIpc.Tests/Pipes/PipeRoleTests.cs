using System.Net.Sockets;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// Role mistakes in the pipe's handshake (docs/PIPE.md section 7): two ends that both connect or
/// both accept each get EPROTO saying that one side must accept, at once, never a hang; each
/// call here has a bound of its own well under the test's.
/// </summary>
public sealed class PipeRoleTests
{
    private const int EPROTO = 71, ECONNRESET = 104;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Both_ends_connecting_fail_with_one_side_must_accept()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            UintrException[] errors = await BothFail(first.ConnectUintrPipeAsync(Small()), second.ConnectUintrPipeAsync(Small()));
            Assert.All(errors, e =>
            {
                Assert.Equal(EPROTO, e.Errno);
                Assert.Contains("Both ends called ConnectUintrPipeAsync: one side must accept", e.Message);
            });
        }
    }

    [Fact]
    public async Task Both_ends_accepting_fail_with_one_side_must_accept_instead_of_hanging()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            UintrException[] errors = await BothFail(first.AcceptUintrPipeAsync(), second.AcceptUintrPipeAsync());
            Assert.All(errors, e =>
            {
                Assert.Equal(EPROTO, e.Errno);
                Assert.Contains("Both ends called AcceptUintrPipeAsync: one side must accept", e.Message);
            });
        }
    }

    [Fact]
    public async Task The_roles_right_after_a_mistake_still_make_a_pipe_on_a_fresh_connection()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            ValueTask<UintrPipe> connect = first.ConnectUintrPipeAsync(Small());
            using UintrPipe accepted = await Within(second.AcceptUintrPipeAsync());
            using UintrPipe connected = await Within(connect);
            await connected.Output.WriteAsync(new byte[] { 42 });
            var read = await accepted.Input.ReadAsync();
            Assert.Equal(42, read.Buffer.FirstSpan[0]);
            accepted.Input.AdvanceTo(read.Buffer.End);
        }
    }

    [Fact]
    public async Task A_peer_that_closes_before_its_role_gives_ECONNRESET()
    {
        var (first, second) = SocketPair();
        using (second)
        {
            first.Dispose();
            var e = await Assert.ThrowsAsync<UintrException>(async () => await Within(second.AcceptUintrPipeAsync()));
            Assert.Equal(ECONNRESET, e.Errno);
        }
    }

    [Fact]
    public async Task A_peer_whose_first_bytes_are_not_a_role_gives_EPROTO()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            first.Send("HTTP"u8);
            var e = await Assert.ThrowsAsync<UintrException>(async () => await Within(second.ConnectUintrPipeAsync(Small())));
            Assert.Equal(EPROTO, e.Errno);
            Assert.Contains("not a UintrPipe role message", e.Message);
        }
    }

    private static async Task<UintrException[]> BothFail(ValueTask<UintrPipe> a, ValueTask<UintrPipe> b) =>
        await Task.WhenAll(Fails(a), Fails(b));

    private static async Task<UintrException> Fails(ValueTask<UintrPipe> call) =>
        await Assert.ThrowsAsync<UintrException>(async () => (await Within(call)).Dispose());

    /// <summary>The call's own bound: a role mistake is found by one message each way, never by a wait.</summary>
    private static async Task<T> Within<T>(ValueTask<T> task)
    {
        Task<T> t = task.AsTask();
        if (await Task.WhenAny(t, Task.Delay(Bound)) != t)
            Assert.Fail($"the handshake did not finish within {Bound}: a hang");
        return await t;
    }
}
