using UintrIpc.TestInterop;

namespace UintrIpc.Latency.Primitives;

/// <summary>A line on stderr written with one write(2), so that it shows in strace output between the calls it brackets.</summary>
internal static unsafe class StraceMark
{
    public static void Write(string text)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text + "\n");
        fixed (byte* p = bytes)
            _ = LibC.write(2, p, (nuint)bytes.Length);
    }
}
