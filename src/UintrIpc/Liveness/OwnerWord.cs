namespace UintrIpc.Liveness;

/// <summary>
/// A robust futex word (the kernel's <c>FUTEX_OWNER_DIED</c> protocol, linux/futex.h): it holds
/// the id of the thread that owns it, and when that thread exits the kernel replaces the id
/// with <see cref="OwnerDied"/>. docs/ABI.md section 6 says how pages use it.
/// </summary>
internal static class OwnerWord
{
    /// <summary>Bits 29:0: the owning thread's id in its pid namespace.</summary>
    internal const uint TidMask = 0x3FFF_FFFF;

    /// <summary>Bit 30: set by the kernel when the owning thread exited without releasing the word.</summary>
    internal const uint OwnerDied = 0x4000_0000;

    /// <summary>Bit 31: a waiter sleeps on the word; the kernel then wakes one waiter at the owner's death.</summary>
    internal const uint Waiters = 0x8000_0000;

    /// <summary>Whether the word says its owner is dead.</summary>
    internal static bool IsDead(uint value) => (value & OwnerDied) != 0;
}
