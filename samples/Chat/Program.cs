// Two processes chat over a UintrPipe. The first starts a copy of itself, they meet on a Unix
// socket, turn it into a pipe, and each sends a few length-prefixed UTF-8 messages that the
// other prints. Run: dotnet run --project samples/Chat
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using UintrIpc;

bool isChild = args is ["child", _];
string path = isChild ? args[1] : Path.Combine(Path.GetTempPath(), $"uintr-chat-{Environment.ProcessId}.sock");
string me = isChild ? "child" : "parent";

UintrPipe pipe;
Process? child = null;
if (isChild)
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
    pipe = await socket.ConnectUintrPipeAsync();          // creates the rings, sends them over
}
else
{
    using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    listener.Bind(new UnixDomainSocketEndPoint(path));
    listener.Listen(1);
    child = StartCopyOfMyself("child", path);
    using Socket socket = await listener.AcceptAsync();
    File.Delete(path);
    pipe = await socket.AcceptUintrPipeAsync();           // the socket is free again after this
}

await using (pipe)
{
    Task printing = PrintMessagesAsync(pipe.Input, me);
    foreach (string text in new[] { $"hello from the {me} (pid {Environment.ProcessId})", "a message is a 4-byte length, then UTF-8", "bye" })
    {
        Frame(pipe.Output, text);
        await pipe.Output.FlushAsync();                   // publish and ring the peer's doorbell
    }
    await pipe.Output.CompleteAsync();                    // the peer reads everything, then the end
    await printing;
}
child?.WaitForExit();

static void Frame(PipeWriter output, string text)
{
    int length = Encoding.UTF8.GetByteCount(text);
    Span<byte> span = output.GetSpan(4 + length);         // ring memory: no copy on the way out
    BinaryPrimitives.WriteInt32LittleEndian(span, length);
    Encoding.UTF8.GetBytes(text, span[4..]);
    output.Advance(4 + length);
}

static async Task PrintMessagesAsync(PipeReader input, string me)
{
    while (true)
    {
        ReadResult result = await input.ReadAsync();
        ReadOnlySequence<byte> buffer = result.Buffer;
        while (TryTakeMessage(ref buffer, out string? text))
            Console.WriteLine($"{me} received: {text}");
        input.AdvanceTo(buffer.Start, buffer.End);        // consumed whole messages, looked at all
        if (result.IsCompleted)
            return;
    }
}

// The bytes are the peer's shared memory: copy them out (CopyTo, GetString) before trusting them.
static bool TryTakeMessage(ref ReadOnlySequence<byte> buffer, out string? text)
{
    Span<byte> prefix = stackalloc byte[4];
    text = null;
    if (buffer.Length < 4)
        return false;
    buffer.Slice(0, 4).CopyTo(prefix);
    int length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
    if (length is < 0 or > 1 << 20)
        throw new InvalidDataException($"A message of {length} bytes.");
    if (buffer.Length < 4 + length)
        return false;
    text = Encoding.UTF8.GetString(buffer.Slice(4, length));
    buffer = buffer.Slice(4 + length);
    return true;
}

static Process StartCopyOfMyself(params string[] arguments)
{
    string self = Environment.ProcessPath!;                // the apphost, or dotnet running Chat.dll
    var info = new ProcessStartInfo(self) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        info.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
    foreach (string argument in arguments)
        info.ArgumentList.Add(argument);
    return Process.Start(info)!;
}
