using System.Diagnostics;
using System.Net.Sockets;
using UintrIpc;

// Two processes, a vector each way: the parent interrupts the child, the child answers.
// `dotnet run --project samples/Hello` starts the parent; the parent starts itself as the child.
if (args is ["child", var inherited])
{
    using var parent = new Socket(new SafeSocketHandle(int.Parse(inherited), ownsHandle: true));
    using UintrFd toParent = parent.ReceiveUintrFd();
    using var answer = UintrSender.Register(toParent);
    using var receiver = UintrReceiver.Register(v => { Console.WriteLine($"child: interrupt {v}"); answer.Send(); });
    using UintrFd mine = receiver.CreateFd(vector: 2);
    parent.SendUintrFd(mine);
    return receiver.Wait(TimeSpan.FromSeconds(10)) ? 0 : 1;
}

var (me, child) = UintrFdPassing.CreateSocketPair();
using var inbox = UintrReceiver.Register(v => Console.WriteLine($"parent: interrupt {v}"));
using UintrFd toMe = inbox.CreateFd(vector: 1);

child.AllowInheritance();
using var process = Process.Start(Self(["child", child.Handle.ToString()]))!;
child.Dispose(); // the child has its copy

me.SendUintrFd(toMe);
using UintrFd toChild = me.ReceiveUintrFd();
using var sender = UintrSender.Register(toChild);
sender.Send();
bool answered = inbox.Wait(TimeSpan.FromSeconds(10));
process.WaitForExit();
Console.WriteLine(answered && process.ExitCode == 0 ? "hello: both ways" : "hello: no answer");
return answered ? 0 : 1;

// This program again: through its apphost, or `dotnet Hello.dll` when started that way.
static ProcessStartInfo Self(string[] arguments)
{
    string host = Environment.ProcessPath!;
    return Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? new ProcessStartInfo(host, [typeof(Program).Assembly.Location, .. arguments])
        : new ProcessStartInfo(host, arguments);
}
