using System.Net.Sockets;

namespace PingPong;

/// <summary>The child process: answers every ping of every phase the parent asks for.</summary>
internal static class Child
{
    public static int Run(Options options)
    {
        using var control = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        control.Connect(Parent.Address(options.Socket!));
        if (options.Pin)
            Native.PinCurrentThread(1);
        while (Phase.Read(control) is { Kind: not PhaseKind.Done } phase)
        {
            using Mechanism mechanism = phase.Open(control, parent: false);
            for (int i = 0; i < phase.Rounds; i++)
                mechanism.Pong();
            control.Send([1]); // phase finished: the parent may tear down
        }
        return 0;
    }
}
