using System.Buffers.Binary;
using System.Net.Sockets;

namespace PingPong;

/// <summary>What the parent asks the child to run next; 16 bytes on the control socket.</summary>
internal readonly record struct Phase(PhaseKind Kind, int Rounds, TimeSpan Spin)
{
    public void Write(Socket control)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)Kind);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], Rounds);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], Spin.Ticks);
        control.Send(bytes);
    }

    public static Phase Read(Socket control)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (int got = 0; got < bytes.Length;)
        {
            int n = control.Receive(bytes[got..]);
            if (n == 0)
                throw new IOException("The parent closed the control socket.");
            got += n;
        }
        return new((PhaseKind)BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]),
            TimeSpan.FromTicks(BinaryPrimitives.ReadInt64LittleEndian(bytes[8..])));
    }

    public Mechanism Open(Socket control, bool parent) => Kind switch
    {
        PhaseKind.Uintr => new UintrMechanism(control, parent, Spin),
        PhaseKind.EventfdBlocking => new EventfdMechanism(control, parent, busyPoll: false),
        PhaseKind.EventfdBusyPoll => new EventfdMechanism(control, parent, busyPoll: true),
        _ => throw new InvalidOperationException($"No mechanism for {Kind}."),
    };
}

internal enum PhaseKind
{
    Done = 0,
    Uintr = 1,
    EventfdBlocking = 2,
    EventfdBusyPoll = 3,
}
