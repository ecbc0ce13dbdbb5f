using UintrIpc.Interop;

namespace UintrIpc.Hardware;

/// <summary>
/// What the kernel says about a descriptor in <c>/proc/self/fd</c> and <c>/proc/self/fdinfo</c>:
/// whether it is the RFC's <c>uintr_fd</c> and, if so, its vector (the RFC's fdinfo line
/// <c>user_vector:N</c>). Used to adopt a native descriptor that came without a message header.
/// </summary>
internal static class KernelFdInfo
{
    /// <summary>Whether <paramref name="fd"/> is a uintr_fd of this process's native kind (kernel, or simulated under the simulator).</summary>
    public static bool IsKernelUintrFd(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget is { } target && (Shim.Simulated
                ? target.StartsWith(KernelUintrFd.SimulatedLinkPrefix, StringComparison.Ordinal)
                : KernelUintrFd.AnonInodeNames.Contains(target));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The vector the kernel (or the simulator) reports for a uintr_fd; -1 when it names none.</summary>
    public static int Vector(int fd)
    {
        if (Shim.Simulated)
            return Math.Max(Shim.SimFdVector(fd), -1);
        string text;
        try
        {
            text = File.ReadAllText($"/proc/self/fdinfo/{fd}");
        }
        catch (IOException)
        {
            return -1;
        }
        return ParseVector(text);
    }

    /// <summary>The number after <c>user_vector:</c> (spaces allowed), or -1.</summary>
    internal static int ParseVector(string fdinfo)
    {
        const string Key = "user_vector:";
        int at = fdinfo.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
            return -1;
        ReadOnlySpan<char> rest = fdinfo.AsSpan(at + Key.Length).TrimStart(" \t");
        int digits = 0;
        while (digits < rest.Length && digits < 9 && char.IsAsciiDigit(rest[digits]))
            digits++;
        return digits == 0 ? -1 : int.Parse(rest[..digits], provider: System.Globalization.CultureInfo.InvariantCulture);
    }
}
