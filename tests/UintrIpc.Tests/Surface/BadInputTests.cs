namespace UintrIpc.Tests.Surface;

/// <summary>Arguments and descriptors that are not what the API expects: errors, never crashes, and the caller keeps its descriptor.</summary>
public sealed unsafe class BadInputTests
{
    private const int EBADF = 9, EOPNOTSUPP = 95;
    private const int Seals = LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL;

    [Fact]
    public void Null_handler_is_rejected() =>
        Assert.Throws<ArgumentNullException>(() => UintrReceiver.Register(null!));

    [Fact]
    public void Null_fd_is_rejected_by_sender_registration() =>
        Assert.Throws<ArgumentNullException>(() => UintrSender.Register(null!));

    [Fact]
    public void Negative_spin_duration_is_rejected()
    {
        var options = new UintrReceiverOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.SpinDuration = TimeSpan.FromTicks(-1));
        options.SpinDuration = TimeSpan.Zero;
        Assert.Equal(TimeSpan.Zero, options.SpinDuration);
    }

    [Fact]
    public void FromFileDescriptor_of_a_closed_descriptor_fails_with_EBADF()
    {
        int closed = Sys.ClosedDescriptorNumber();
        Assert.Equal(EBADF, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(closed)).Errno);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-100)]
    [InlineData(int.MinValue)]
    public void FromFileDescriptor_of_a_negative_number_fails_with_EBADF(int fd) =>
        Assert.Equal(EBADF, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(fd)).Errno);

    [Fact]
    public void FromFileDescriptor_of_an_eventfd_fails_and_the_caller_keeps_it()
    {
        int fd = LibC.eventfd(0, LibC.O_CLOEXEC);
        Assert.True(fd >= 0);
        AssertRejectedAndKept(fd);
    }

    [Fact]
    public void FromFileDescriptor_of_a_pipe_fails_and_the_caller_keeps_it()
    {
        int* ends = stackalloc int[2];
        Assert.Equal(0, LibC.pipe(ends));
        Sys.Close(ends[1]);
        AssertRejectedAndKept(ends[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData(8192)]
    public void FromFileDescriptor_of_a_regular_file_fails_and_the_caller_keeps_it(int size)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, ValidHeader(4, size));
            int fd = LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
            Assert.True(fd >= 0);
            AssertRejectedAndKept(fd);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromFileDescriptor_of_a_shared_memory_file_with_a_valid_header_fails()
    {
        // A tmpfs file looks like a memfd page but any process that can open it can truncate it
        // under the senders' mappings (SIGBUS): it is not sealed, so it is refused.
        Assert.True(Directory.Exists("/dev/shm"), "no /dev/shm on this machine");
        string path = $"/dev/shm/uintr-test-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllBytes(path, ValidHeader(4));
            int fd = LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
            Assert.True(fd >= 0);
            AssertRejectedAndKept(fd);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromFileDescriptor_of_a_directory_and_of_a_device_fails()
    {
        int dir = LibC.open("/tmp", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        Assert.True(dir >= 0);
        AssertRejectedAndKept(dir);
        int zero = LibC.open("/dev/zero", LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        Assert.True(zero >= 0);
        AssertRejectedAndKept(zero);
    }

    [Fact]
    public void FromFileDescriptor_of_an_unsealed_memfd_page_fails_even_with_a_valid_header() =>
        AssertRejectedAndKept(Sys.CreateMemfd(4096, ValidHeader(4), seals: 0));

    [Fact]
    public void FromFileDescriptor_of_a_memfd_that_cannot_be_sealed_fails() =>
        AssertRejectedAndKept(Sys.CreateMemfd(4096, ValidHeader(4), seals: 0, allowSealing: false));

    [Fact]
    public void FromFileDescriptor_of_a_memfd_sealed_against_shrinking_only_fails() =>
        AssertRejectedAndKept(Sys.CreateMemfd(4096, ValidHeader(4), LibC.F_SEAL_SHRINK | LibC.F_SEAL_SEAL));

    [Theory]
    [InlineData(0)]
    [InlineData(2048)]
    [InlineData(8192)]
    public void FromFileDescriptor_of_a_sealed_memfd_of_the_wrong_size_fails(int size) =>
        AssertRejectedAndKept(Sys.CreateMemfd(size, size >= 48 ? ValidHeader(4, Math.Min(size, 4096)) : [], Seals));

    [Fact]
    public void FromFileDescriptor_of_a_sealed_page_of_junk_fails()
    {
        var junk = new byte[4096];
        new Random(1234).NextBytes(junk);
        AssertRejectedAndKept(Sys.CreateMemfd(4096, junk, Seals));
    }

    [Fact]
    public void FromFileDescriptor_of_a_sealed_page_of_zeros_fails() =>
        AssertRejectedAndKept(Sys.CreateMemfd(4096, [], Seals));

    [Fact]
    public void FromFileDescriptor_of_a_page_with_the_wrong_magic_fails()
    {
        byte[] page = ValidHeader(4);
        page[16] ^= 0xFF;
        AssertRejectedAndKept(Sys.CreateMemfd(4096, page, Seals));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(3u)]
    [InlineData(uint.MaxValue)]
    public void FromFileDescriptor_of_a_page_with_the_wrong_version_fails(uint version)
    {
        byte[] page = ValidHeader(4);
        BitConverter.TryWriteBytes(page.AsSpan(24), version);
        AssertRejectedAndKept(Sys.CreateMemfd(4096, page, Seals));
    }

    [Theory]
    [InlineData(64u)]
    [InlineData(200u)]
    [InlineData(uint.MaxValue)]
    public void FromFileDescriptor_of_a_page_naming_a_vector_outside_0_to_63_fails(uint vector)
    {
        byte[] page = ValidHeader(4);
        BitConverter.TryWriteBytes(page.AsSpan(28), vector);
        AssertRejectedAndKept(Sys.CreateMemfd(4096, page, Seals));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(64u * 5)]
    [InlineData(4096u)]
    [InlineData(uint.MaxValue)]
    public void FromFileDescriptor_of_a_page_whose_upid_offset_is_not_64_times_its_vector_fails(uint upidOffset)
    {
        // A sender trusting the offset could be sent to write anywhere in (or past) the page.
        byte[] page = ValidHeader(4);
        BitConverter.TryWriteBytes(page.AsSpan(36), upidOffset);
        AssertRejectedAndKept(Sys.CreateMemfd(4096, page, Seals));
    }

    [Fact]
    public void FromFileDescriptor_of_a_write_sealed_page_fails()
    {
        // A page nobody can map writable cannot be posted to.
        AssertRejectedAndKept(Sys.CreateMemfd(4096, ValidHeader(4), Seals | LibC.F_SEAL_WRITE));
    }

    [Fact]
    public void FromFileDescriptor_of_a_read_only_descriptor_of_a_real_page_fails()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(4);
        int readOnly = LibC.open($"/proc/self/fd/{fd.FileDescriptor}", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        Assert.True(readOnly >= 0, $"reopen failed: errno {Sys.LastError}");
        AssertRejectedAndKept(readOnly);
    }

    [Fact]
    public void FromFileDescriptor_accepts_a_well_formed_sealed_page_made_outside_the_library()
    {
        // The ABI is normative: a page made by any program that follows it is a uintr fd.
        int fd = Sys.CreateMemfd(4096, ValidHeader(41), Seals);
        using UintrFd adopted = UintrFd.FromFileDescriptor(fd);
        Assert.Equal(41, adopted.Vector);
        Assert.Equal(fd, adopted.FileDescriptor);
        adopted.Dispose();
        Assert.False(Sys.IsOpen(fd)); // adopted: the instance owned and closed it
    }

    /// <summary>The fd must be rejected with EOPNOTSUPP, stay open (the caller still owns it), and is then closed here.</summary>
    private static void AssertRejectedAndKept(int fd)
    {
        try
        {
            var e = Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(fd));
            Assert.Equal(EOPNOTSUPP, e.Errno);
            Assert.True(Sys.IsOpen(fd), "FromFileDescriptor closed a descriptor it refused");
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>A page whose header follows ABI.md section 2 for <paramref name="vector"/>.</summary>
    internal static byte[] ValidHeader(uint vector, int size = 4096)
    {
        var page = new byte[size];
        if (size < 48)
            return page;
        int upid = 64 * (int)Math.Min(vector, 63u);                        // the UPID is in cache line `vector`
        if (upid + 4 <= size)
            BitConverter.TryWriteBytes(page.AsSpan(upid), 0x00EC0002u);    // RUNNING
        BitConverter.TryWriteBytes(page.AsSpan(16), 0x43504952544E4955UL);   // "UINTRIPC"
        BitConverter.TryWriteBytes(page.AsSpan(24), 2u);
        BitConverter.TryWriteBytes(page.AsSpan(28), vector);
        BitConverter.TryWriteBytes(page.AsSpan(32), (uint)Environment.ProcessId);
        BitConverter.TryWriteBytes(page.AsSpan(36), 64 * vector);            // upid_offset
        BitConverter.TryWriteBytes(page.AsSpan(40), 0x1122334455667788UL);
        return page;
    }
}
