using System.Net.Sockets;
using UintrIpc;

// The receiving half for samples/CSender (or any sender that follows docs/ABI.md): listens on a
// Unix socket path, hands the first process that connects a uintr fd for one vector, and prints
// every interrupt until that process hangs up. Usage: Listener <socket-path> [vector]
// Posts made while an earlier one is still pending coalesce (docs/API.md): a burst of posts can
// print fewer lines than it had posts, never none.
if (args.Length is < 1 or > 2 || (args.Length == 2 && !int.TryParse(args[1], out _)))
{
    Console.Error.WriteLine("usage: Listener <socket-path> [vector 0-63, default 3]");
    return 2;
}
string path = args[0];
int vector = args.Length == 2 ? int.Parse(args[1]) : 3;

int interrupts = 0;
// The futex path: CSender maps the vector page that path sends (a native receiver's descriptor
// is a kernel uintr_fd, which only the native path can post to).
using var receiver = UintrReceiver.Register(v => Console.WriteLine($"interrupt {v} ({++interrupts})"),
    new UintrReceiverOptions { Mode = UintrMode.Futex });
using UintrFd fd = receiver.CreateFd(vector);

File.Delete(path);
using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
listener.Bind(new UnixDomainSocketEndPoint(path));
listener.Listen(1);
Console.WriteLine($"listening on {path} for a sender of vector {vector}; e.g. samples/CSender/build/csender {path} 5");

using Socket sender = listener.Accept();
File.Delete(path);
sender.SendUintrFd(fd);
Console.WriteLine($"sent the uintr fd of vector {vector}; waiting for interrupts");
while (true)
{
    // Hung up before a wait that then finds nothing: every post it made has been delivered.
    bool hungUp = sender.Poll(0, SelectMode.SelectRead) && sender.Available == 0;
    if (receiver.Wait(TimeSpan.FromMilliseconds(200)))
        continue;
    if (hungUp)
        break;
}
Console.WriteLine($"the sender hung up: {interrupts} interrupt{(interrupts == 1 ? "" : "s")}");
return interrupts > 0 ? 0 : 1;
