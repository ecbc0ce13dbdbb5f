using System.Buffers.Binary;
using System.Net.Sockets;

namespace PingPong;

/// <summary>
/// The mechanisms both processes open, in the same order, and the 8-byte command the parent
/// sends for each slice of rounds: which mechanism, how many rounds (0 rounds: finished).
/// </summary>
internal static class Plan
{
    public static IReadOnlyList<(string Name, Func<Socket, bool, Mechanism> Open)> Mechanisms(TimeSpan spin) =>
    [
        ($"uintr (spin {spin.TotalMicroseconds:0.#} µs, then sleep)", (s, parent) => new UintrMechanism(s, parent, spin, vector: parent ? 0 : 1)),
        ("uintr (spin 0: always sleeps)", (s, parent) => new UintrMechanism(s, parent, TimeSpan.Zero, vector: parent ? 2 : 3)),
        ("eventfd (blocking read)", (s, parent) => new EventfdMechanism(s, parent, busyPoll: false)),
        ("eventfd (busy-polled, non-blocking)", (s, parent) => new EventfdMechanism(s, parent, busyPoll: true)),
    ];

    public static Mechanism[] OpenAll(Socket control, bool parent, TimeSpan spin) =>
        [.. Mechanisms(spin).Select(m => m.Open(control, parent))];

    public static void WriteCommand(Socket control, int mechanism, int rounds)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, mechanism);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], rounds);
        control.Send(bytes);
    }

    public static (int Mechanism, int Rounds) ReadCommand(Socket control)
    {
        Span<byte> bytes = stackalloc byte[8];
        for (int got = 0; got < bytes.Length;)
        {
            int n = control.Receive(bytes[got..]);
            if (n == 0)
                throw new IOException("The parent closed the control socket.");
            got += n;
        }
        return (BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
    }
}
