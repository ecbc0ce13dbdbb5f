namespace UintrIpc.Interop;

/// <summary>
/// Borrows a SafeHandle's descriptor number for a raw call: the handle cannot be closed (and
/// the number reused) until the lease is disposed.
/// </summary>
internal ref struct HandleLease
{
    private readonly SafeHandle _handle;
    private bool _added;

    public HandleLease(SafeHandle handle)
    {
        _handle = handle;
        handle.DangerousAddRef(ref _added);
    }

    public readonly int Fd => (int)_handle.DangerousGetHandle();

    public void Dispose()
    {
        if (_added)
            _handle.DangerousRelease();
        _added = false;
    }
}
