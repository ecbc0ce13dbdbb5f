namespace UintrIpc.Interop;

/// <summary>An owned Linux file descriptor, closed exactly once.</summary>
internal sealed class SafeFileDescriptorHandle : SafeHandle
{
    public SafeFileDescriptorHandle() : base(invalidHandleValue: -1, ownsHandle: true) { }

    public SafeFileDescriptorHandle(int fd) : this() => SetHandle(fd);

    public override bool IsInvalid => (int)handle < 0;

    /// <summary>The descriptor number; valid while the handle is not closed.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Shim.Close((int)handle) == 0;
}
