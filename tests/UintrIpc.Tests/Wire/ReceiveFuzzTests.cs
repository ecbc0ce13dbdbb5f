using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>
/// ReceiveUintrFd against thousands of random messages per socket type: random header bytes
/// (valid, mutated or noise), zero to twenty descriptors of random kinds, on a stream split into
/// random pieces with descriptors on random pieces, on seqpacket with random lengths; received
/// sync or async. Every receive either returns a uintr fd or throws UintrException; a
/// well-formed message is always accepted; the stream stays in step (a well-formed message
/// every so often gets through); and at the end no descriptor or page mapping is left over.
/// </summary>
public sealed class ReceiveFuzzTests
{
    private const int Messages = 3000;
    private const int Vector = 30;

    [Theory]
    [InlineData(SocketType.Stream, 1)]
    [InlineData(SocketType.Stream, 2)]
    [InlineData(SocketType.Seqpacket, 3)]
    [InlineData(SocketType.Seqpacket, 4)]
    public void Random_messages_get_a_uintr_fd_or_a_UintrException_and_leak_nothing(SocketType type, int seed)
    {
        var random = new Random(seed);
        var descriptors = Descriptors.Snapshot();
        int mappings = PageMappings();
        int accepted = 0, refused = 0;
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd payload = receiver.CreateFd(Vector))
        {
            var (hostile, victim) = UintrFdPassing.CreateSocketPair(type);
            using (hostile)
            using (victim)
            {
                for (int i = 0; i < Messages; i++)
                {
                    bool wellFormed = i % 25 == 0 || random.Next(5) == 0;
                    if (wellFormed)
                        SendWellFormed(hostile, payload, type, random);
                    else
                        SendRandom(hostile, payload, type, random);
                    bool async = random.Next(5) == 0;
                    try
                    {
                        using UintrFd received = Receive(victim, async);
                        Assert.Equal(Vector, received.Vector);
                        accepted++;
                    }
                    catch (UintrException e)
                    {
                        Assert.False(wellFormed, $"message {i} (seed {seed}) was well-formed but refused: {e.Errno} {e.Message}");
                        Assert.NotEqual(104, e.Errno); // ECONNRESET: the peer never closed
                        refused++;
                    }
                }
            }
        }
        Assert.True(accepted >= Messages / 25 && refused > Messages / 4, $"accepted {accepted}, refused {refused}");
        descriptors.AssertNoneAdded($"after {Messages} fuzzed messages (seed {seed})");
        Assert.Equal(mappings, PageMappings());
    }

    private static UintrFd Receive(Socket socket, bool async)
    {
        if (!async)
            return socket.ReceiveUintrFd();
        Task<UintrFd> task = socket.ReceiveUintrFdAsync().AsTask();
        Assert.True(task.ContinueWith(_ => { }, TaskScheduler.Default).Wait(Until.Hang), "ReceiveUintrFdAsync hung");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>A page's header, one descriptor, on the first byte; in random pieces on a stream.</summary>
    private static void SendWellFormed(Socket socket, UintrFd payload, SocketType type, Random random)
    {
        byte[] header = Sys.Header(1, Vector);
        int fd = random.Next(2) == 0 ? payload.FileDescriptor : Sys.Dup(payload.FileDescriptor);
        int first = type == SocketType.Stream ? random.Next(1, 17) : 16;
        Sys.SendRaw(socket, header.AsSpan(0, first), fd);
        if (first < 16)
            Sys.SendRaw(socket, header.AsSpan(first));
        if (fd != payload.FileDescriptor)
            Sys.Close(fd);
    }

    private static void SendRandom(Socket socket, UintrFd payload, SocketType type, Random random)
    {
        byte[] data = RandomHeader(random, type);
        var opened = new List<int>();
        try
        {
            int[] fds = RandomDescriptors(random, payload, socket, opened);
            if (type == SocketType.Seqpacket)
            {
                Sys.SendRaw(socket, data, fds);
                return;
            }
            // A stream: 16 bytes in one to four pieces; the descriptors on a random piece, and
            // sometimes more descriptors on another.
            int[] cuts = [0, .. Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(1, 16)).Distinct().Order(), 16];
            int withFds = random.Next(4) == 0 ? random.Next(cuts.Length - 1) : 0;
            int withMore = random.Next(8) == 0 ? random.Next(cuts.Length - 1) : -1;
            for (int piece = 0; piece < cuts.Length - 1; piece++)
            {
                int[] these = piece == withFds ? fds : [];
                if (piece == withMore && piece != withFds)
                    these = RandomDescriptors(random, payload, socket, opened);
                Sys.SendRaw(socket, data.AsSpan(cuts[piece], cuts[piece + 1] - cuts[piece]), these);
            }
        }
        finally
        {
            foreach (int fd in opened)
                Sys.Close(fd); // in flight, the kernel holds its own references
        }
    }

    private static byte[] RandomHeader(Random random, SocketType type)
    {
        int length = type == SocketType.Stream || random.Next(3) != 0 ? 16 : random.Next(0, 33);
        var data = new byte[length];
        switch (random.Next(3))
        {
            case 0: // noise
                random.NextBytes(data);
                break;
            case 1: // a valid header with a random kind and vector
                Sys.Header((ushort)random.Next(4), (uint)random.Next(-2, 70)).AsSpan(0, Math.Min(16, length)).CopyTo(data);
                break;
            default: // a valid header with a few bytes changed
                Sys.Header(1, Vector).AsSpan(0, Math.Min(16, length)).CopyTo(data);
                for (int i = random.Next(1, 4); i > 0 && length > 0; i--)
                    data[random.Next(length)] = (byte)random.Next(256);
                break;
        }
        return data;
    }

    /// <summary>None, one, a few, or more than a receive makes room for; of random kinds.</summary>
    private static int[] RandomDescriptors(Random random, UintrFd payload, Socket socket, List<int> opened)
    {
        int count = random.Next(10) switch
        {
            0 or 1 => 0,
            2 => random.Next(2, 4),
            3 => random.Next(15, 21),
            _ => 1,
        };
        var fds = new int[count];
        for (int i = 0; i < count; i++)
            fds[i] = RandomDescriptor(random, payload, socket, opened);
        return fds;
    }

    private static int RandomDescriptor(Random random, UintrFd payload, Socket socket, List<int> opened)
    {
        int Keep(int fd)
        {
            opened.Add(fd);
            return fd;
        }
        switch (random.Next(9))
        {
            case 0: return payload.FileDescriptor;                          // the real page
            case 1: return Keep(Sys.Dup(payload.FileDescriptor));         // a copy of it
            case 2: return Keep(Sys.EventFd());
            case 3:
                var (read, write) = Sys.Pipe();
                Keep(write);
                return Keep(read);
            case 4: return Keep(Sys.JunkPageMemfd());                       // page-shaped zeros
            case 5: return Keep(Sys.PlainMemfd(random.Next(2) == 0 ? 4096 : random.Next(0, 9000)));
            case 6: return Keep(Sys.Reopen(payload.FileDescriptor, 0));    // O_RDONLY
            case 7: return (int)socket.Handle;                             // the socket itself
            default: return Keep(Sys.Reopen(payload.FileDescriptor, 2));   // O_RDWR: a real page, another open file description
        }
    }

    /// <summary>
    /// Mappings of the fuzz's fake pages and of vector <see cref="Vector"/>'s page: a check that
    /// mapped a received descriptor and did not unmap it would leave one. (Other memfd mappings
    /// come and go with other tests' receivers and the runtime.)
    /// </summary>
    private static int PageMappings()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return File.ReadAllLines("/proc/self/maps").Count(line =>
            line.Contains("/memfd:junk", StringComparison.Ordinal) || line.Contains($"/memfd:uintr-ipc:v{Vector} ", StringComparison.Ordinal));
    }
}
