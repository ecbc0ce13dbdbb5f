using System.Text.RegularExpressions;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// The built libuintripc.so (next to the test assembly) really contains the UINTR instructions,
/// in the functions that should hold them: evidence that the native path is compiled, checked
/// with <c>objdump -d</c> since nothing native can execute on this machine.
/// </summary>
public sealed partial class DisassemblyTests
{
    private static readonly Lazy<Dictionary<string, string[]>> s_functions = new(Disassemble);

    [Theory]
    [InlineData("senduipi")]
    [InlineData("stui")]
    [InlineData("clui")]
    [InlineData("testui")]
    [InlineData("uiret")]
    public void The_library_contains_the_instruction(string mnemonic)
    {
        Assert.Contains(s_functions.Value.Values.SelectMany(lines => lines), line => Mnemonic(line) == mnemonic);
    }

    [Theory]
    [InlineData("uipc_senduipi", "senduipi")]
    [InlineData("uipc_stui", "stui")]
    [InlineData("uipc_clui", "clui")]
    [InlineData("uipc_testui", "testui")]
    public void Each_wrapper_executes_its_instruction(string function, string mnemonic)
    {
        Assert.Contains(Body(function), line => Mnemonic(line) == mnemonic);
    }

    [Fact]
    public void The_interrupt_handler_returns_with_uiret_and_touches_no_vector_register()
    {
        string[] body = Body("uipc_uintr_handler");
        Assert.Equal("uiret", body.Select(Mnemonic).Last(m => m.Length > 0 && !m.StartsWith("nop", StringComparison.Ordinal)));
        Assert.DoesNotContain(body, line => Mnemonic(line) is "ret" or "iretq");
        Assert.Contains(body, line => line.Contains("lock or", StringComparison.Ordinal));
        Assert.DoesNotContain(body, line => VectorRegister().IsMatch(line));
    }

    [Fact]
    public void The_wait_window_ends_at_the_syscall_instruction()
    {
        Dictionary<string, string[]> functions = s_functions.Value;
        Assert.Contains(functions["uipc_uintr_wait_begin"], line => Mnemonic(line) == "syscall");
        Assert.Equal("ret", Mnemonic(functions["uipc_uintr_wait_end"].First(l => Mnemonic(l).Length > 0)));
    }

    private static string[] Body(string function) =>
        s_functions.Value.TryGetValue(function, out string[]? body) ? body : throw new Xunit.Sdk.XunitException($"{function} is not in libuintripc.so");

    /// <summary>The mnemonic of an objdump line like "    2a10:\tf3 0f c7 f7    \tsenduipi %rdi".</summary>
    private static string Mnemonic(string line)
    {
        string[] columns = line.Split('\t');
        if (columns.Length < 3)
            return "";
        string instruction = columns[2].Trim();
        if (instruction.StartsWith("lock ", StringComparison.Ordinal))
            instruction = instruction[5..];
        int space = instruction.IndexOf(' ');
        return space < 0 ? instruction : instruction[..space];
    }

    private static Dictionary<string, string[]> Disassemble()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "libuintripc.so");
        Assert.True(File.Exists(library), $"{library} is missing");
        var start = new ProcessStartInfo("objdump", ["-d", library]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process objdump = Process.Start(start)!;
        string output = objdump.StandardOutput.ReadToEnd();
        objdump.WaitForExit();
        Assert.True(objdump.ExitCode == 0, objdump.StandardError.ReadToEnd());

        var functions = new Dictionary<string, string[]>();
        string? current = null;
        var lines = new List<string>();
        foreach (string line in output.Split('\n'))
        {
            Match header = FunctionHeader().Match(line);
            if (header.Success)
            {
                if (current is not null)
                    functions[current] = [.. lines];
                current = header.Groups[1].Value;
                lines.Clear();
            }
            else if (current is not null && line.Length > 0)
            {
                lines.Add(line);
            }
        }
        if (current is not null)
            functions[current] = [.. lines];
        return functions;
    }

    [GeneratedRegex(@"^[0-9a-f]+ <([^>]+)>:$")]
    private static partial Regex FunctionHeader();

    [GeneratedRegex(@"%[xyz]mm\d")]
    private static partial Regex VectorRegister();
}
