using System.Buffers.Binary;
using System.Net.Sockets;

namespace UintrIpc.Latency;

/// <summary>
/// The control connection's messages. Parent → child: an 8-byte command per slice (mechanism
/// index, round trips; 0 round trips: finished). Child → parent, after each slice: its ping-pong
/// thread's CPU time over the slice and how often it slept (uintr receivers).
/// </summary>
internal static class Control
{
    /// <summary>An abstract-namespace address. argv cannot carry the leading NUL, so it travels without it and both sides add it here.</summary>
    public static UnixDomainSocketEndPoint Address(string name) => new("\0" + name);

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
        ReadExactly(control, bytes);
        return (BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
    }

    public static void WriteSliceReport(Socket control, SliceReport report)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, report.CpuNs);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], report.Sleeps);
        control.Send(bytes);
    }

    public static SliceReport ReadSliceReport(Socket control)
    {
        Span<byte> bytes = stackalloc byte[16];
        ReadExactly(control, bytes);
        return new(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]));
    }

    private static void ReadExactly(Socket control, Span<byte> bytes)
    {
        for (int got = 0; got < bytes.Length;)
        {
            int n = control.Receive(bytes[got..]);
            if (n == 0)
                throw new IOException("The other process closed the control socket.");
            got += n;
        }
    }
}

/// <summary>What one side's ping-pong thread spent on one slice.</summary>
internal readonly record struct SliceReport(long CpuNs, long Sleeps);
