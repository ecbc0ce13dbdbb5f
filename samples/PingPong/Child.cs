using System.Net.Sockets;

namespace PingPong;

/// <summary>The child process: answers every ping of every slice the parent asks for.</summary>
internal static class Child
{
    public static int Run(Options options)
    {
        using var control = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        control.Connect(Parent.Address(options.Socket!));
        if (options.Pin)
            Native.PinCurrentThread(1);
        Mechanism[] mechanisms = Plan.OpenAll(control, parent: false, options.SpinDuration);
        try
        {
            while (Plan.ReadCommand(control) is (var mechanism, > 0 and var rounds))
            {
                for (int i = 0; i < rounds; i++)
                    mechanisms[mechanism].Pong();
                control.Send([1]); // slice finished
            }
        }
        finally
        {
            foreach (Mechanism m in mechanisms)
                m.Dispose();
        }
        return 0;
    }
}
