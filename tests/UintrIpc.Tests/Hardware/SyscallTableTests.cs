using UintrIpc.Hardware;
namespace UintrIpc.Tests.Hardware;

/// <summary>UINTR_IPC_SYSCALLS parsing and the two known tables.</summary>
public sealed class SyscallTableTests
{
    [Fact]
    public void RfcV1_is_449_to_454_in_the_RFC_order()
    {
        UintrSyscallTable t = UintrSyscallTable.RfcV1;
        Assert.Equal(449, t.RegisterHandler);
        Assert.Equal(450, t.UnregisterHandler);
        Assert.Equal(451, t.CreateFd);
        Assert.Equal(452, t.RegisterSender);
        Assert.Equal(453, t.UnregisterSender);
        Assert.Equal(454, t.Wait);
        Assert.Equal(UintrSyscallAbi.RfcV1, t.Abi);
    }

    [Fact]
    public void UintrNext_is_471_to_476_with_its_own_conventions()
    {
        UintrSyscallTable t = UintrSyscallTable.UintrNext;
        Assert.Equal((471, 472, 473, 474, 475, 476), (t.RegisterHandler, t.UnregisterHandler, t.CreateFd, t.RegisterSender, t.UnregisterSender, t.Wait));
        Assert.Equal(UintrSyscallAbi.UintrNext, t.Abi);
    }

    [Theory]
    [InlineData("449,450,451,452,453,454", 449, (int)UintrSyscallAbi.RfcV1)]
    [InlineData(" 449 , 450 ,451,452,453, 454 ", 449, (int)UintrSyscallAbi.RfcV1)]
    [InlineData("471,472,473,474,475,476,uintr-next", 471, (int)UintrSyscallAbi.UintrNext)]
    [InlineData("500,501,502,503,504,505,RFC-V1", 500, (int)UintrSyscallAbi.RfcV1)]
    [InlineData("rfc-v1", 449, (int)UintrSyscallAbi.RfcV1)]
    [InlineData("uintr-next", 471, (int)UintrSyscallAbi.UintrNext)]
    public void Well_formed_values_parse(string text, int first, int abi)
    {
        Assert.True(UintrSyscallTable.TryParse(text, out UintrSyscallTable? table, out string? error), error);
        Assert.Null(error);
        Assert.Equal(first, table!.RegisterHandler);
        Assert.Equal(first + 5, table.Wait);
        Assert.Equal((UintrSyscallAbi)abi, table.Abi);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("   ", "it is empty")]
    [InlineData("449", "1 field")]
    [InlineData("449,450,451,452,453", "5 fields")]
    [InlineData("449,450,451,452,453,454,455,456", "8 fields")]
    [InlineData("449,450,451,452,453,0x1c6", "field 6")]
    [InlineData("449,450,451,452,453,+454", "field 6")]
    [InlineData("449,,451,452,453,454", "field 2")]
    [InlineData("449,450,451,452,453,99999", "field 6")]
    [InlineData("449,450,451,452,453,454,v2", "seventh field")]
    [InlineData("449,450,451,452,450,454", "not all different")]
    public void Malformed_values_say_what_is_wrong(string text, string problem)
    {
        Assert.False(UintrSyscallTable.TryParse(text, out UintrSyscallTable? table, out string? error));
        Assert.Null(table);
        Assert.NotNull(error);
        Assert.Contains("UINTR_IPC_SYSCALLS=", error);
        Assert.Contains(problem, error);
        Assert.Contains("six comma-separated", error);
    }

    [Fact]
    public void ToString_round_trips_through_TryParse()
    {
        foreach (UintrSyscallTable table in new[] { UintrSyscallTable.RfcV1, UintrSyscallTable.UintrNext, new UintrSyscallTable(1, 2, 3, 4, 5, 6) })
        {
            Assert.True(UintrSyscallTable.TryParse(table.ToString(), out UintrSyscallTable? parsed, out _));
            Assert.Equal(table, parsed);
        }
    }
}
