// The child process of the cross-process tests (tests/UintrIpc.Tests, through Infrastructure/PeerProcess.cs).
//
// Every command connects to the Unix stream socket at <path> (the test listens there) and is
// coordinated only by messages on that socket, never by sleeps. Besides uintr fd messages
// (UintrFdPassing), the wire carries single bytes, always read one at a time, so a byte never
// swallows part of a descriptor message:
//
//   child -> test   'K'          registered (a sender is ready to send)
//                   'k'          one Send done
//                   'b'          burst started: the child now sends in a loop until it is killed
//                   'E' <errno>  a Send failed with UintrException(errno)
//                   'V' <vector> (receiver) the handler ran for <vector>
//                   'q'          quitting normally (everything disposed)
//   test -> child   'S'          send once           (sender)
//                   'B'          send for ever        (sender)
//                   'Q'          dispose and exit 0   (sender, hold, receiver)
//
// End of stream from the test makes every command dispose what it has and exit 0, so a test
// that dies never leaves a child behind.
//
// Commands:
//   ready                                 print "ready" and exit 0 (warm-up, smoke check)
//   receiver <path> <vector> [spinUs]     register a receiver, send the fd of <vector>, then Wait
//                                         for ever and report each delivered vector with 'V' v
//   inherited-receiver <fd> <vector>      the same over an inherited socket (a socketpair end
//                                         whose number is <fd>) instead of a connection to <path>
//   sender <path>                         receive a uintr fd, register a sender, 'K', then obey S/B/Q
//   pingpong <path> <rounds> [spinUs]     receive the test's fd, send our own (vector 1); then per
//                                         round: Wait(10 s) for exactly one delivery, then Send.
//                                         A delivery that came only with the timeout is lost.
//                                         Exit 2 on a timeout, 3 on a wrong delivery count
//   hold <path>                           receive a fd, register a sender, 'K', block until killed
//   channel-echo|channel-hold|channel-produce   see ChannelPeer.cs
//   send-once                             one receiver, one vector, one Send and Poll, in this
//                                         process (for the JIT disassembly of Send)
//   die-closing <path> <point> <what>     register a receiver, send the fd of vector 5, 'K'; on 'C'
//                                         dispose <what> (vector: its UintrFd; receiver: the
//                                         receiver) and SIGKILL this process at the named point
//                                         of the close (src/UintrIpc/Diagnostics/FaultPoints.cs).
//                                         Exit 3 if the close never reached the point
//   pipe-publish-once                     one UintrPipe pair in this process, one flushed write
//                                         read by the other end (for the JIT disassembly of the
//                                         ring's publish)
using System.Diagnostics;
using System.Net.Sockets;
using UintrIpc;

namespace UintrIpc.TestPeer;

internal static class Program
{
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(10);

    private static int Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["ready"] => Ready(),
                ["receiver", var path, var vector] => Receiver(Connect(path), int.Parse(vector), null),
                ["receiver", var path, var vector, var spin] => Receiver(Connect(path), int.Parse(vector), int.Parse(spin)),
                ["inherited-receiver", var fd, var vector] => Receiver(Inherited(int.Parse(fd)), int.Parse(vector), null),
                ["sender", var path] => Sender(path),
                ["pingpong", var path, var rounds] => PingPong(path, int.Parse(rounds), null),
                ["pingpong", var path, var rounds, var spin] => PingPong(path, int.Parse(rounds), int.Parse(spin)),
                ["hold", var path] => Hold(path),
                ["pipe-echo", var path] => PipePeer.Echo(path),
                ["pipe-stream", var path, var seed] => PipePeer.Stream(path, int.Parse(seed)),
                ["channel-echo", var path] => ChannelPeer.Echo(path),
                ["channel-hold", var path] => ChannelPeer.Hold(path),
                ["channel-produce", var path, var id, var count, var mode] => ChannelPeer.Produce(path, int.Parse(id), int.Parse(count), mode),
                ["send-once"] => SendOnce(),
                ["die-closing", var path, var point, var what] => DieClosing(Connect(path), point, what),
                ["pipe-publish-once"] => PipePeer.PublishOnce(),
                _ => Usage(),
            };
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"testpeer {string.Join(' ', args)}: {e}");
            return 1;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: ready | receiver <path> <vector> [spinUs] | inherited-receiver <fd> <vector> | sender <path> | pingpong <path> <rounds> [spinUs] | hold <path> | send-once | die-closing <path> <point> vector|receiver | pipe-publish-once");
        return 64;
    }

    private static int Ready()
    {
        Console.WriteLine("ready");
        return 0;
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>A connected AF_UNIX socket this process inherited as descriptor <paramref name="fd"/>.</summary>
    private static Socket Inherited(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));

    private static UintrReceiverOptions Options(int? spinMicroseconds) => spinMicroseconds is { } us
        ? new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(us) }
        : new UintrReceiverOptions();

    /// <summary>One byte from the test, or -1 at end of stream.</summary>
    private static int ReadByte(Socket socket)
    {
        var one = new byte[1];
        return socket.Receive(one) == 0 ? -1 : one[0];
    }

    private static void Write(Socket socket, params byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
            sent += socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
    }

    private static int Receiver(Socket connected, int vector, int? spinMicroseconds)
    {
        using Socket socket = connected;
        var delivered = new List<int>();
        using var receiver = UintrReceiver.Register(delivered.Add, Options(spinMicroseconds));
        using UintrFd fd = receiver.CreateFd(vector);
        socket.SendUintrFd(fd);

        // The test ends us with 'Q', by closing the socket, or with kill -9.
        new Thread(() =>
        {
            ReadByte(socket); // 'Q' or end of stream alike
            Environment.Exit(0);
        })
        { IsBackground = true, Name = "testpeer quit watcher" }.Start();

        while (true)
        {
            receiver.Wait(Timeout.InfiniteTimeSpan);
            foreach (int v in delivered)
                Write(socket, (byte)'V', (byte)v);
            delivered.Clear();
        }
    }

    private static int Sender(string path)
    {
        using Socket socket = Connect(path);
        using UintrFd fd = socket.ReceiveUintrFd();
        using var sender = UintrSender.Register(fd);
        Write(socket, (byte)'K');
        while (true)
        {
            switch (ReadByte(socket))
            {
                case -1:
                    return 0;
                case 'Q':
                    sender.Dispose();
                    fd.Dispose();
                    Write(socket, (byte)'q');
                    return 0;
                case 'S':
                    try
                    {
                        sender.Send();
                        Write(socket, (byte)'k');
                    }
                    catch (UintrException e)
                    {
                        Write(socket, (byte)'E', (byte)e.Errno);
                    }
                    break;
                case 'B':
                    Write(socket, (byte)'b');
                    try
                    {
                        while (true)
                            sender.Send();
                    }
                    catch (UintrException e)
                    {
                        Write(socket, (byte)'E', (byte)e.Errno);
                    }
                    break;
                case var other:
                    Console.Error.WriteLine($"testpeer sender: unknown command byte {other}");
                    return 65;
            }
        }
    }

    private static int PingPong(string path, int rounds, int? spinMicroseconds)
    {
        long deliveries = 0;
        using Socket socket = Connect(path);
        using UintrFd theirs = socket.ReceiveUintrFd();
        using var sender = UintrSender.Register(theirs);
        using var receiver = UintrReceiver.Register(_ => deliveries++, Options(spinMicroseconds));
        using UintrFd mine = receiver.CreateFd(1);
        socket.SendUintrFd(mine);
        for (int round = 1; round <= rounds; round++)
        {
            // A Wait that timed out still collects the post at W10 and returns true: only a
            // return before the deadline proves the post woke it.
            long start = Stopwatch.GetTimestamp();
            if (!receiver.Wait(RoundTimeout) || Stopwatch.GetElapsedTime(start) >= RoundTimeout)
            {
                Console.Error.WriteLine($"testpeer pingpong: lost wake-up: no delivery by post within {RoundTimeout} in round {round} of {rounds}");
                return 2;
            }
            if (deliveries != round)
            {
                Console.Error.WriteLine($"testpeer pingpong: {deliveries} deliveries after round {round}");
                return 3;
            }
            sender.Send();
        }
        return 0;
    }

    private static int SendOnce()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        return receiver.Poll() == 1 ? 0 : 3;
    }

    private static int DieClosing(Socket connected, string point, string what)
    {
        using Socket socket = connected;
        var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(5);
        socket.SendUintrFd(fd);
        Write(socket, (byte)'K');
        if (ReadByte(socket) != 'C')
            return 0;
        UintrIpc.Diagnostics.FaultPoints.Reached = reached =>
        {
            if (reached == point)
                Process.GetCurrentProcess().Kill(); // SIGKILL: no managed code runs after this
        };
        if (what == "receiver")
            receiver.Dispose();
        else
            fd.Dispose();
        Console.Error.WriteLine($"testpeer die-closing: closing the {what} never reached {point}");
        return 3;
    }

    private static int Hold(string path)
    {
        using Socket socket = Connect(path);
        using UintrFd fd = socket.ReceiveUintrFd();
        using var sender = UintrSender.Register(fd);
        Write(socket, (byte)'K');
        ReadByte(socket); // blocks until 'Q', end of stream, or kill -9
        return 0;
    }
}
