using UintrIpc.TestInterop;
using UintrIpc.Tests.Infrastructure;

namespace UintrIpc.Tests.Wire;

/// <summary>
/// docs/ABI.md section 1.1: checks 2-5 all refuse with EOPNOTSUPP, so the message names the
/// check that failed ("section 1.1 check N") and what is wrong, the missing seals by name.
/// </summary>
public sealed class PageCheckTests
{
    private const int EOPNOTSUPP = 95;

    public static TheoryData<string, int, string> Descriptors => new()
    {
        { "eventfd", 2, "not a regular file of exactly 4096 bytes" },
        { "unsealed memfd", 3, "lacks the seals F_SEAL_SHRINK and F_SEAL_GROW" }, // without MFD_ALLOW_SEALING it has F_SEAL_SEAL only
        { "memfd without F_SEAL_SEAL", 3, "lacks the seal F_SEAL_SEAL" },
        { "memfd without F_SEAL_GROW", 3, "lacks the seal F_SEAL_GROW" },
        { "read-only page", 4, "not open for reading and writing" },
        { "sealed memfd of zeros", 5, "no UintrIpc magic" },
    };

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Each_refusal_names_its_check(string what, int check, string why)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd page = receiver.CreateFd(7);
        int fd = what switch
        {
            "eventfd" => Sys.EventFd(),
            "unsealed memfd" => Sys.PlainMemfd(4096),
            "memfd without F_SEAL_SEAL" => Sys.SealedMemfd(LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW),
            "memfd without F_SEAL_GROW" => Sys.SealedMemfd(LibC.F_SEAL_SHRINK | LibC.F_SEAL_SEAL),
            "read-only page" => Sys.Reopen(page.FileDescriptor, LibC.O_RDONLY),
            _ => Sys.JunkPageMemfd(),
        };
        try
        {
            var e = Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(fd));
            Assert.Equal(EOPNOTSUPP, e.Errno);
            Assert.Contains($"(docs/ABI.md section 1.1 check {check})", e.Message);
            Assert.Contains(why, e.Message);
            Assert.DoesNotContain("shrinking and growing", e.Message);
        }
        finally
        {
            Sys.Close(fd); // a refused adoption leaves the descriptor with the caller
        }
    }
}
