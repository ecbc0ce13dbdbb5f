using UintrIpc.Delivery;
using UintrIpc.Detection;
using UintrIpc.FutexPath;
using UintrIpc.Hardware;
using UintrIpc.Interop;
using UintrIpc.Wire;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// What the uintr system calls reject, with the RFC's errnos, straight from the shim; and the
/// same mistakes through the public API, which answer with the UintrException the futex path
/// gives. Hardware-only: the RFC v1 kernel or the simulator (its default table).
/// </summary>
[Trait("Category", "HardwareOnly")]
public sealed class HardwareBadInputTests
{
    private const int EINVAL = 22, EBADF = 9, ENOSPC = 28, EBUSY = 16, EOPNOTSUPP = 95, EISCONN = 106, ECONNRESET = 104;

    private static UintrSyscallTable Table => UintrCapabilities.Current.SyscallTable!;

    private static bool RfcV1 => Table.Abi == UintrSyscallAbi.RfcV1;

    [HardwareOnlyFact]
    public void The_system_calls_answer_bad_arguments_with_the_RFC_errnos() => OwnThread.Run(() =>
    {
        Assert.Equal(-EINVAL, Shim.UintrUnregisterHandler(Table.UnregisterHandler, 0)); // not a receiver
        Assert.Equal(-EINVAL, Shim.UintrCreateFd(Table.CreateFd, 1, 0));                // no handler registered
        using var path = new HardwareReceiverPath();
        Assert.Equal(-EINVAL, Shim.UintrUnregisterHandler(Table.UnregisterHandler, 1)); // flags
        Assert.Equal(-ENOSPC, Shim.UintrCreateFd(Table.CreateFd, 64, 0));
        Assert.Equal(-ENOSPC, Shim.UintrCreateFd(Table.CreateFd, ulong.MaxValue, 0));
        Assert.Equal(-EINVAL, Shim.UintrCreateFd(Table.CreateFd, 1, 1));
        using SafeFileDescriptorHandle fd = path.OpenVector(1);
        if (RfcV1)
            Assert.Equal(-EBUSY, Shim.UintrCreateFd(Table.CreateFd, 1, 0)); // the vector's fd is still open

        var (read, write) = Sys.Pipe();
        try
        {
            Assert.Equal(-EOPNOTSUPP, Shim.UintrRegisterSender(Table.RegisterSender, read, 0)); // not a uintr_fd
            Assert.Equal(-EBADF, Shim.UintrRegisterSender(Table.RegisterSender, 100_000, 0));
            Assert.Equal(-EINVAL, Shim.UintrRegisterSender(Table.RegisterSender, fd.Fd, 1));
        }
        finally
        {
            Sys.Close(read);
            Sys.Close(write);
        }

        int index = Shim.UintrRegisterSender(Table.RegisterSender, fd.Fd, 0);
        Assert.True(index >= 0, $"uintr_register_sender: {index}");
        if (RfcV1)
            Assert.Equal(-EISCONN, Shim.UintrRegisterSender(Table.RegisterSender, fd.Fd, 0));
        long target = RfcV1 ? fd.Fd : index;
        Assert.Equal(0, Shim.UintrUnregisterSender(Table.UnregisterSender, target, 0));
        Assert.Equal(-EINVAL, Shim.UintrUnregisterSender(Table.UnregisterSender, target, 0)); // twice
    });

    [HardwareOnlyFact]
    public void A_vector_is_free_again_once_every_reference_to_its_fd_is_closed() => OwnThread.Run(() =>
    {
        if (!RfcV1)
            return; // the later tree never frees a vector: nothing to check
        using var path = new HardwareReceiverPath();
        int first = Shim.UintrCreateFd(Table.CreateFd, 2, 0);
        Assert.True(first >= 0);
        int copy = LibC.dup(first);
        Assert.True(copy >= 0);
        Sys.Close(first);
        Assert.Equal(-EBUSY, Shim.UintrCreateFd(Table.CreateFd, 2, 0)); // a duplicate still refers to it
        Sys.Close(copy);
        int again = Shim.UintrCreateFd(Table.CreateFd, 2, 0);
        Assert.True(again >= 0, $"uintr_create_fd after the last close: {again}");
        Sys.Close(again);
    });

    [HardwareOnlyFact]
    public void The_public_API_gives_the_futex_paths_exceptions_for_the_same_mistakes() => OwnThread.Run(() =>
    {
        var options = new UintrReceiverOptions { Mode = UintrMode.Native };
        using var receiver = UintrReceiver.Register(_ => { }, options);
        Assert.Equal(ENOSPC, Assert.Throws<UintrException>(() => receiver.CreateFd(64)).Errno);
        using UintrFd fd = receiver.CreateFd(4);
        Assert.Equal(EBUSY, Assert.Throws<UintrException>(() => receiver.CreateFd(4)).Errno);
        using var sender = UintrSender.Register(fd);
        if (RfcV1)
            Assert.Equal(EISCONN, Assert.Throws<UintrException>(() => UintrSender.Register(fd)).Errno);
        Assert.Equal(EINVAL, Assert.Throws<UintrException>(() => UintrSender.SendUipi(sender.Index + 1000)).Errno);
        Assert.Equal(EBUSY, Assert.Throws<UintrException>(() => UintrReceiver.Register(_ => { }, options)).Errno); // one per thread
    });

    [HardwareOnlyFact]
    public void Registering_a_sender_after_the_receiver_unregistered_is_ECONNRESET() => OwnThread.Run(() =>
    {
        var path = new HardwareReceiverPath();
        SafeFileDescriptorHandle fd = path.OpenVector(6);
        using SafeFileDescriptorHandle kept = new(LibC.dup(fd.Fd));
        path.Dispose(); // on the owner thread: unregistered
        var e = Assert.Throws<UintrException>(() => new HardwareSender(kept));
        Assert.Equal(ECONNRESET, e.Errno);
    });

    [HardwareOnlyFact]
    public void A_descriptor_of_the_other_native_kind_is_refused_with_EOPNOTSUPP()
    {
        // A simulating process refuses kind 2 (a kernel uintr_fd) and a real one refuses kind 3.
        ushort other = UintrCapabilities.Current.Simulated ? DescriptorMessageLayout.KindNative : DescriptorMessageLayout.KindNativeSimulated;
        var (a, b) = Sys.SocketPair(LibC.SOCK_STREAM);
        using (a)
        using (b)
        {
            int memfd = Sys.PlainMemfd(4096);
            Sys.SendRaw(a, Sys.Header(other, 3), memfd);
            Sys.Close(memfd);
            var e = Assert.Throws<UintrException>(() => b.ReceiveUintrFd());
            Assert.Equal(EOPNOTSUPP, e.Errno);
            Assert.Contains("do not mix", e.Message);
        }
    }

    [HardwareOnlyFact]
    public void A_descriptor_of_this_processs_native_kind_that_is_not_a_uintr_fd_is_EOPNOTSUPP()
    {
        var (a, b) = Sys.SocketPair(LibC.SOCK_SEQPACKET);
        using (a)
        using (b)
        {
            int memfd = Sys.PlainMemfd(4096);
            Sys.SendRaw(a, Sys.Header(KernelUintrFd.Kind, 3), memfd);
            Sys.Close(memfd);
            Assert.Equal(EOPNOTSUPP, Assert.Throws<UintrException>(() => b.ReceiveUintrFd()).Errno);
        }
    }

    [HardwareOnlyFact]
    public void Registering_a_handler_with_bad_flags_or_no_handler_is_refused() => OwnThread.Run(() =>
    {
        // The shim always passes its own handler; the flags are the caller's.
        Assert.Equal(-EINVAL, RegisterRaw(flags: 0x4000));
        Assert.Equal(0, Shim.UintrCurrent()); // a NULL handler (EFAULT) cannot reach the kernel: the shim always passes its own
    });

    private static unsafe int RegisterRaw(uint flags)
    {
        nint state;
        Assert.Equal(0, Shim.UintrReceiverNew(&state));
        int result = Shim.UintrRegisterHandler(Table.RegisterHandler, state, flags);
        if (result == 0)
            Shim.UintrUnregisterHandler(Table.UnregisterHandler, 0);
        Shim.UintrReceiverFree(state);
        return result;
    }
}

/// <summary>Kind 3 on the wire, where no simulator runs: refused, never mistaken for a futex page.</summary>
public sealed class SimulatedKindTests
{
    [Fact]
    public void A_simulated_kind_message_is_EOPNOTSUPP_unless_it_carries_a_simulated_uintr_fd()
    {
        var (a, b) = Sys.SocketPair(LibC.SOCK_STREAM);
        using (a)
        using (b)
        {
            int memfd = Sys.PlainMemfd(4096);
            Sys.SendRaw(a, Sys.Header(DescriptorMessageLayout.KindNativeSimulated, 3), memfd);
            Sys.Close(memfd);
            var e = Assert.Throws<UintrException>(() => b.ReceiveUintrFd());
            Assert.Equal(95, e.Errno);
            Assert.Contains("simulated", e.Message);
        }
    }
}
