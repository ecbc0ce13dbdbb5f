namespace UintrIpc.Tests.Surface;

/// <summary>UintrError names the errno values; UintrException.UintrErrorCode is Errno by name.</summary>
public sealed class UintrErrorTests
{
    /// <summary>Each member against the errno of the same meaning, as Mono.Posix (generated from the C headers) numbers it.</summary>
    [Theory]
    [InlineData(UintrError.OperationNotPermitted, "EPERM")]
    [InlineData(UintrError.BadDescriptor, "EBADF")]
    [InlineData(UintrError.OutOfMemory, "ENOMEM")]
    [InlineData(UintrError.Busy, "EBUSY")]
    [InlineData(UintrError.InvalidArgument, "EINVAL")]
    [InlineData(UintrError.TooManyOpenFiles, "EMFILE")]
    [InlineData(UintrError.NoSpace, "ENOSPC")]
    [InlineData(UintrError.NotImplemented, "ENOSYS")]
    [InlineData(UintrError.ProtocolError, "EPROTO")]
    [InlineData(UintrError.BadMessage, "EBADMSG")]
    [InlineData(UintrError.MessageSize, "EMSGSIZE")]
    [InlineData(UintrError.OperationNotSupported, "EOPNOTSUPP")]
    [InlineData(UintrError.AddressFamilyNotSupported, "EAFNOSUPPORT")]
    [InlineData(UintrError.ConnectionReset, "ECONNRESET")]
    [InlineData(UintrError.IsConnected, "EISCONN")]
    [InlineData(UintrError.Shutdown, "ESHUTDOWN")]
    [InlineData(UintrError.TimedOut, "ETIMEDOUT")]
    public void Each_name_is_its_errno(UintrError error, string errnoName)
    {
        var native = Enum.Parse<Mono.Unix.Native.Errno>(errnoName);
        Assert.Equal(Mono.Unix.Native.NativeConvert.FromErrno(native), (int)error);
    }

    [Fact]
    public void Every_member_is_tested()
    {
        var tested = typeof(UintrErrorTests).GetMethod(nameof(Each_name_is_its_errno))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (UintrError)a.GetData(null!).Single()[0]).ToHashSet();
        Assert.Equal(Enum.GetValues<UintrError>().ToHashSet(), tested);
    }

    [Fact]
    public void Exceptions_carry_the_name_of_their_errno()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        var outside = Assert.Throws<UintrException>(() => receiver.CreateFd(64));
        Assert.Equal(UintrError.NoSpace, outside.UintrErrorCode);
        Assert.Equal(28, outside.Errno);
        using UintrFd fd = receiver.CreateFd(5);
        Assert.Equal(UintrError.Busy, Assert.Throws<UintrException>(() => receiver.CreateFd(5)).UintrErrorCode);
        Assert.Equal(UintrError.InvalidArgument, Assert.Throws<UintrException>(() => UintrSender.SendUipi(1_000_000)).UintrErrorCode);
    }

    [Fact]
    public void An_errno_without_a_name_still_round_trips()
    {
        var e = new UintrException(5, null); // EIO
        Assert.Equal(5, e.Errno);
        Assert.Equal((UintrError)5, e.UintrErrorCode);
        Assert.False(Enum.IsDefined(e.UintrErrorCode));
        var named = new UintrException(UintrError.Shutdown, "gone");
        Assert.Equal(108, named.Errno);
        Assert.Equal("gone", named.Message);
    }
}
