namespace UintrIpc.Tests.Infrastructure;

internal static class Bits
{
    public static ulong Of(params int[] vectors)
    {
        ulong mask = 0;
        foreach (int v in vectors)
            mask |= 1UL << v;
        return mask;
    }
}
