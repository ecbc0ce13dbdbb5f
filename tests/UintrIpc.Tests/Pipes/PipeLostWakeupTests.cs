using System.IO.Pipelines;
using Xunit.Abstractions;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>
/// The pipe's doorbells lose no wake-up: one end spins, the other sleeps at once, so each reply
/// lands while the sleeper is between its last look at the ring and its sleep, round after round
/// (the window of PIPE.md section 4, note 1, and ABI.md's W4–W7). A lost wake-up shows as a
/// round that makes no progress for <see cref="Stall"/>, not as a slow pass: every read is
/// bounded by the watchdog, none by a timeout of its own.
/// </summary>
public sealed class PipeLostWakeupTests(ITestOutputHelper output)
{
    private const int Rounds = 1_000_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15); // the suite's time: as many rounds as fit
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Asymmetric_ping_pong_spinner_against_sleeper_never_loses_a_wakeup()
    {
        const bool connectorSpins = true; // both directions publish; which end spins does not matter
        var spinning = new UintrPipeOptions { RingSize = 4096, SpinDuration = TimeSpan.FromMilliseconds(1) };
        var sleeping = new UintrPipeOptions { RingSize = 4096, SpinDuration = TimeSpan.Zero };
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            ValueTask<UintrPipe> connect = first.ConnectUintrPipeAsync(connectorSpins ? spinning : sleeping);
            using UintrPipe accepted = await Bounded(second.AcceptUintrPipeAsync(connectorSpins ? sleeping : spinning), "accept");
            using UintrPipe connected = await Bounded(connect, "connect");

            long pings = 0, pongs = 0;
            using var stop = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            Task pinger = Task.Run(async () =>
            {
                for (int i = 0; i < Rounds && clock.Elapsed < Budget; i++)
                {
                    await Exchange(connected, (byte)i, "pinger", i);
                    Volatile.Write(ref pings, i + 1);
                }
                connected.Output.Complete();
            });
            Task ponger = Task.Run(async () =>
            {
                for (long i = 0; ; i++)
                {
                    ReadResult read = await accepted.Input.ReadAsync();
                    if (read.IsCompleted && read.Buffer.IsEmpty)
                        return;
                    Assert.True(read.Buffer.Length == 1, $"ponger round {i}: {read.Buffer.Length} bytes, expected 1 (strict alternation)");
                    byte b = read.Buffer.FirstSpan[0];
                    accepted.Input.AdvanceTo(read.Buffer.End);
                    accepted.Output.GetSpan(1)[0] = b;
                    accepted.Output.Advance(1);
                    await accepted.Output.FlushAsync();
                    Volatile.Write(ref pongs, i + 1);
                }
            });

            // The watchdog: progress, not a deadline per read (which would cost a timer a round).
            long last = -1;
            var lastProgress = Stopwatch.StartNew();
            Task both = Task.WhenAll(pinger, ponger);
            while (await Task.WhenAny(both, Task.Delay(100)) != both)
            {
                long now = Volatile.Read(ref pings) + Volatile.Read(ref pongs);
                if (now != last)
                {
                    last = now;
                    lastProgress.Restart();
                }
                else if (lastProgress.Elapsed > Stall)
                {
                    Assert.Fail($"lost wake-up: no round for {Stall} after {Volatile.Read(ref pings)} pings and {Volatile.Read(ref pongs)} pongs");
                }
            }
            await both;
            Assert.Equal(pings, pongs);
            output.WriteLine($"{pings} rounds in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    /// <summary>Writes one byte and reads its echo.</summary>
    private static async Task Exchange(UintrPipe pipe, byte value, string who, int round)
    {
        pipe.Output.GetSpan(1)[0] = value;
        pipe.Output.Advance(1);
        await pipe.Output.FlushAsync();
        ReadResult read = await pipe.Input.ReadAsync();
        Assert.True(read.Buffer.Length == 1 && read.Buffer.FirstSpan[0] == value, $"{who} round {round}: {read.Buffer.Length} bytes back, expected the one sent");
        pipe.Input.AdvanceTo(read.Buffer.End);
    }
}
