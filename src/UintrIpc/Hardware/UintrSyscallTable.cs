using System.Globalization;

namespace UintrIpc.Hardware;

/// <summary>
/// The calling conventions of the uintr system calls. The syscalls were never merged into
/// mainline Linux, and Intel's kernel trees changed them after the RFC.
/// </summary>
internal enum UintrSyscallAbi
{
    /// <summary>
    /// The RFC v1 series (September 2021, on Linux 5.14): <c>uintr_wait(flags)</c> has no
    /// timeout, <c>uintr_unregister_sender(uintr_fd, flags)</c> takes the descriptor, and the
    /// target table (UITT) belongs to the thread that registered the sender.
    /// </summary>
    RfcV1,

    /// <summary>
    /// Intel's later uintr-linux-kernel development tree: <c>uintr_vector_fd(vector, flags)</c>
    /// in place of <c>uintr_create_fd</c>, <c>uintr_wait(usec, flags)</c> with a timeout of at
    /// most 1000 s, <c>uintr_unregister_sender(uipi_index, flags)</c> takes the index, one UITT
    /// per process, and blocking needs <c>UINTR_HANDLER_FLAG_WAITING_RECEIVER</c> (0x1000).
    /// </summary>
    UintrNext,
}

/// <summary>
/// The numbers of the six uintr system calls of the running kernel, in the RFC's order.
/// Configured with the <c>UINTR_IPC_SYSCALLS</c> environment variable (see <see cref="TryParse"/>);
/// without it, <see cref="RfcV1"/> applies only to a kernel that advertises UINTR and predates
/// Linux 5.16, where 449 became <c>futex_waitv</c>.
/// </summary>
/// <param name="RegisterHandler">The number of <c>uintr_register_handler(handler, flags)</c>.</param>
/// <param name="UnregisterHandler">The number of <c>uintr_unregister_handler(flags)</c>.</param>
/// <param name="CreateFd">The number of <c>uintr_create_fd(vector, flags)</c> (<c>uintr_vector_fd</c> in later trees).</param>
/// <param name="RegisterSender">The number of <c>uintr_register_sender(uintr_fd, flags)</c>.</param>
/// <param name="UnregisterSender">The number of <c>uintr_unregister_sender</c>.</param>
/// <param name="Wait">The number of <c>uintr_wait</c>.</param>
internal sealed record UintrSyscallTable(int RegisterHandler, int UnregisterHandler, int CreateFd, int RegisterSender, int UnregisterSender, int Wait)
{
    /// <summary>The environment variable that configures the table: <c>UINTR_IPC_SYSCALLS</c>.</summary>
    public const string EnvironmentVariable = "UINTR_IPC_SYSCALLS";

    /// <summary>The largest number accepted; x86-64 system call numbers are far below it.</summary>
    private const int MaxNumber = 1023;

    /// <summary>
    /// The RFC v1 numbers (arch/x86/entry/syscalls/syscall_64.tbl of the series, and its
    /// selftest): uintr_register_handler 449, uintr_unregister_handler 450, uintr_create_fd 451,
    /// uintr_register_sender 452, uintr_unregister_sender 453, uintr_wait 454.
    /// </summary>
    public static UintrSyscallTable RfcV1 { get; } = new(449, 450, 451, 452, 453, 454);

    /// <summary>
    /// The numbers of Intel's later development tree, 471–476, with its
    /// <see cref="UintrSyscallAbi.UintrNext"/> conventions. Check them against the tree you boot.
    /// </summary>
    public static UintrSyscallTable UintrNext { get; } = new(471, 472, 473, 474, 475, 476) { Abi = UintrSyscallAbi.UintrNext };

    /// <summary>The calling conventions the numbers belong to; <see cref="UintrSyscallAbi.RfcV1"/> unless configured.</summary>
    public UintrSyscallAbi Abi { get; init; } = UintrSyscallAbi.RfcV1;

    /// <summary>
    /// Parses a <c>UINTR_IPC_SYSCALLS</c> value: six comma-separated numbers in the order
    /// register_handler, unregister_handler, create_fd, register_sender, unregister_sender,
    /// wait, optionally followed by a seventh field naming the ABI (<c>rfc-v1</c>, the default,
    /// or <c>uintr-next</c>); or just a preset name, <c>rfc-v1</c> or <c>uintr-next</c>.
    /// </summary>
    /// <param name="text">The value to parse.</param>
    /// <param name="table">The table, or <see langword="null"/> when the value is malformed.</param>
    /// <param name="error">Why the value is malformed, or <see langword="null"/>.</param>
    /// <returns>Whether the value is well-formed.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UintrSyscallTable? table, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        table = null;
        error = null;
        string value = (text ?? "").Trim();
        if (TryParseAbi(value, out UintrSyscallAbi preset))
        {
            table = preset == UintrSyscallAbi.RfcV1 ? RfcV1 : UintrNext;
            return true;
        }
        if (value.Length == 0)
            return Fail(out error, value, "it is empty");
        string[] fields = value.Split(',', StringSplitOptions.TrimEntries);
        var abi = UintrSyscallAbi.RfcV1;
        if (fields.Length == 7)
        {
            if (!TryParseAbi(fields[6], out abi))
                return Fail(out error, value, $"the seventh field '{fields[6]}' is not an ABI name (rfc-v1 or uintr-next)");
        }
        else if (fields.Length != 6)
        {
            return Fail(out error, value, $"it has {fields.Length} field{(fields.Length == 1 ? "" : "s")}");
        }
        var numbers = new int[6];
        for (int i = 0; i < 6; i++)
        {
            if (!int.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]) || numbers[i] > MaxNumber)
                return Fail(out error, value, $"field {i + 1} '{fields[i]}' is not a system call number (0..{MaxNumber})");
        }
        if (numbers.Distinct().Count() != numbers.Length)
            return Fail(out error, value, "the six numbers are not all different");
        table = new UintrSyscallTable(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]) { Abi = abi };
        return true;
    }

    /// <summary>The table as a <c>UINTR_IPC_SYSCALLS</c> value, e.g. <c>449,450,451,452,453,454,rfc-v1</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{RegisterHandler},{UnregisterHandler},{CreateFd},{RegisterSender},{UnregisterSender},{Wait},{AbiName(Abi)}");

    internal static string AbiName(UintrSyscallAbi abi) => abi == UintrSyscallAbi.RfcV1 ? "rfc-v1" : "uintr-next";

    private static bool TryParseAbi(string name, out UintrSyscallAbi abi)
    {
        switch (name.ToLowerInvariant())
        {
            case "rfc-v1" or "rfcv1":
                abi = UintrSyscallAbi.RfcV1;
                return true;
            case "uintr-next":
                abi = UintrSyscallAbi.UintrNext;
                return true;
            default:
                abi = default;
                return false;
        }
    }

    private static bool Fail(out string? error, string value, string problem)
    {
        error = $"{EnvironmentVariable}='{value}' is malformed: {problem}. Expected six comma-separated system call numbers "
            + "(register_handler, unregister_handler, create_fd, register_sender, unregister_sender, wait), optionally followed by "
            + "the ABI (rfc-v1 or uintr-next), or a preset name (rfc-v1 or uintr-next)";
        return false;
    }
}
