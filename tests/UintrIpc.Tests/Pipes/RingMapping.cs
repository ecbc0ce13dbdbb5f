namespace UintrIpc.Tests.Pipes;

/// <summary>
/// A ring's mapping as /proc/self/maps shows it: its address and its memfd's inode. Tests
/// running meanwhile map rings too, and one may land at the same address once this one is
/// gone, so "still mapped" means that address with the same file.
/// </summary>
internal sealed record RingMapping(ulong Address, string Inode)
{
    public static unsafe RingMapping Of(UintrIpc.Pipes.Ring ring)
    {
        ulong address = (ulong)ring.Header;
        return new(address, InodeAt(address) ?? throw new InvalidOperationException("the ring is not mapped"));
    }

    public bool IsMapped => InodeAt(Address) == Inode;

    private static string? InodeAt(ulong address)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode path
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string[] range = fields[0].Split('-');
            if (Convert.ToUInt64(range[0], 16) <= address && address < Convert.ToUInt64(range[1], 16))
                return fields.Length == 6 && fields[5].Contains("memfd:", StringComparison.Ordinal) ? fields[4] : null;
        }
        return null;
    }
}
