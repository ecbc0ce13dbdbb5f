using Microsoft.Win32.SafeHandles;
using UintrIpc.Hardware;

namespace UintrIpc.Tests.Surface;

/// <summary>UintrFd's SafeHandle forms, and FromFileDescriptor for every kind the library creates.</summary>
public sealed class UintrFdHandleTests
{
    [Fact]
    public void SafeHandle_is_the_descriptor_the_instance_owns()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(4);
        SafeHandle handle = fd.SafeHandle;
        Assert.Equal(fd.FileDescriptor, (int)handle.DangerousGetHandle());
        Assert.False(handle.IsInvalid);
        fd.Dispose();
        Assert.True(handle.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => fd.SafeHandle);
    }

    [Fact]
    public void FromFileDescriptor_adopts_a_SafeFileHandle_and_the_handle_lets_go()
    {
        var descriptors = Descriptors.Snapshot();
        bool delivered = false;
        using (var receiver = UintrReceiver.Register(_ => delivered = true))
        using (UintrFd original = receiver.CreateFd(11))
        {
            var handle = new SafeFileHandle(Sys.Dup(original.FileDescriptor), ownsHandle: true);
            int number = (int)handle.DangerousGetHandle();
            using (UintrFd adopted = UintrFd.FromFileDescriptor(handle))
            {
                Assert.Equal(11, adopted.Vector);
                Assert.Equal(number, adopted.FileDescriptor);
                Assert.True(handle.IsClosed);
                handle.Dispose(); // must not close what the UintrFd now owns
                Assert.True(Sys.IsOpen(number));
                using var sender = UintrSender.Register(adopted);
                sender.Send();
                Assert.Equal(1, receiver.Poll());
                Assert.True(delivered);
            }
            Assert.False(Sys.IsOpen(number));
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void FromFileDescriptor_refuses_a_foreign_handle_and_leaves_it_to_the_caller()
    {
        using var handle = new SafeFileHandle(Sys.EventFd(), ownsHandle: true);
        var e = Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(handle));
        Assert.Equal(UintrError.OperationNotSupported, e.UintrErrorCode);
        Assert.False(handle.IsClosed);
        Assert.True(Sys.IsOpen((int)handle.DangerousGetHandle()));
    }

    [Fact]
    public void FromFileDescriptor_on_a_closed_or_invalid_handle_or_null()
    {
        var closed = new SafeFileHandle(Sys.EventFd(), ownsHandle: true);
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => UintrFd.FromFileDescriptor(closed));
        using var invalid = new SafeFileHandle(-1, ownsHandle: true);
        Assert.Equal(UintrError.BadDescriptor, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(invalid)).UintrErrorCode);
        Assert.Throws<ArgumentNullException>(() => UintrFd.FromFileDescriptor((SafeHandle)null!));
    }

    /// <summary>
    /// A kernel uintr_fd is adopted where the native path runs (a hardware-only test covers that);
    /// here, without UINTR, nothing can be one: an anonymous inode of another kind is EOPNOTSUPP.
    /// </summary>
    [Fact]
    public void FromFileDescriptor_on_an_anonymous_inode_that_is_not_a_uintr_fd_is_EOPNOTSUPP()
    {
        int eventFd = Sys.EventFd(); // anon_inode:[eventfd]
        try
        {
            Assert.False(KernelFdInfo.IsKernelUintrFd(eventFd));
            Assert.Equal(95, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(eventFd)).Errno);
        }
        finally
        {
            Sys.Close(eventFd);
        }
    }

    [Theory]
    [InlineData("pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nuser_vector:3 uitt_index:0\n", 3)]
    [InlineData("user_vector: 63\n", 63)]
    [InlineData("user_vector:\t0", 0)]
    [InlineData("pos:\t0\nflags:\t02\n", -1)]
    [InlineData("user_vector:x", -1)]
    [InlineData("user_vector:", -1)]
    public void The_vector_is_read_from_the_kernels_fdinfo(string fdinfo, int vector) =>
        Assert.Equal(vector, KernelFdInfo.ParseVector(fdinfo));

    [Fact]
    public void TryParse_tells_the_compiler_when_its_results_are_set()
    {
        // Compiles without '!' only because of [NotNullWhen] (nullable warnings are errors here).
        if (UintrSyscallTable.TryParse("449,450,451,452,453,454", out UintrSyscallTable? table, out _))
            Assert.Equal(449, table.RegisterHandler);
        else
            Assert.Fail("a valid table did not parse");
        if (!UintrSyscallTable.TryParse("nonsense", out _, out string? error))
            Assert.NotEmpty(error.Trim());
        else
            Assert.Fail("nonsense parsed");
    }
}

/// <summary>Adopting a kernel uintr_fd: needs the native path.</summary>
[Trait("Category", "HardwareOnly")]
public sealed class HardwareAdoptionTests
{
    [UintrIpc.Tests.Hardware.HardwareOnlyFact]
    public void FromFileDescriptor_adopts_a_kernel_uintr_fd_with_its_vector() => TestThread.Start(() =>
    {
        int calls = 0;
        using var receiver = UintrReceiver.Register(_ => calls++, new UintrReceiverOptions { Mode = UintrMode.Native });
        using UintrFd fd = receiver.CreateFd(6);
        using UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
        Assert.Equal(UintrMode.Native, adopted.Mode);
        Assert.Equal(6, adopted.Vector);
        using var sender = UintrSender.Register(adopted);
        sender.Send();
        Assert.True(receiver.Wait(Until.Hang));
        Assert.Equal(1, calls);
    }, "native adoption").Result();
}
