using System.Reflection;

namespace UintrIpc.Interop;

/// <summary>
/// Which build of the shim this process calls: <c>libuintripc.so</c>, or <c>libuintripc_sim.so</c>
/// when <c>UINTR_IPC_SIMULATE=1</c> (docs/NATIVE.md, "The simulator"). The simulator build is the
/// same shim with the UINTR instructions and uintr system calls of a software model, so every
/// declaration stays the same and only the library behind <see cref="Library"/> changes. This is
/// the one place that chooses; nothing above Interop knows which library answers. The
/// simulator's test hooks (injection, counters) are declared by the tests, not here: the shipped
/// assembly has no way to call them.
/// </summary>
internal static unsafe partial class Shim
{
    /// <summary>The environment variable that selects the simulator: <c>UINTR_IPC_SIMULATE</c>.</summary>
    internal const string SimulateVariable = "UINTR_IPC_SIMULATE";

    private const string SimulatorFile = "libuintripc_sim.so";

    /// <summary>Whether this process loaded the simulator build (decided once, before the first call).</summary>
    internal static readonly bool Simulated = IsSimulationRequested(Environment.GetEnvironmentVariable(SimulateVariable));

    // Runs before any member of Shim is used, so before the runtime first resolves Library.
    static Shim()
    {
        if (Simulated)
            NativeLibrary.SetDllImportResolver(typeof(Shim).Assembly, ResolveSimulator);
    }

    /// <summary><c>1</c> or <c>true</c> selects the simulator; unset, empty, <c>0</c> or <c>false</c> do not.</summary>
    internal static bool IsSimulationRequested(string? value) =>
        (value ?? "").Trim().ToLowerInvariant() is "1" or "true";

    /// <summary>Whether a value of <c>UINTR_IPC_SIMULATE</c> is one of those <see cref="IsSimulationRequested"/> knows.</summary>
    internal static bool IsValidSimulateValue(string? value) =>
        (value ?? "").Trim().ToLowerInvariant() is "" or "0" or "false" or "1" or "true";

    /// <summary>
    /// Finds the simulator where the runtime finds <c>libuintripc.so</c>: next to the application
    /// or the assembly (a build of this repository), or through the probing paths of the
    /// application's deps.json, which name the package's <c>runtimes/&lt;rid&gt;/native</c>
    /// folder when the application was built without a runtime identifier.
    /// </summary>
    private static nint ResolveSimulator(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
            return 0;
        foreach (string folder in (string[])[AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) ?? ""])
        {
            string path = Path.Combine(folder, SimulatorFile);
            if (File.Exists(path))
                return NativeLibrary.Load(path);
        }
        // The runtime's own probing (NATIVE_DLL_SEARCH_DIRECTORIES, the assembly's folder); it
        // does not call this resolver again.
        return NativeLibrary.Load(SimulatorFile, assembly, searchPath);
    }

    /// <summary>Simulator only: the vector of a simulated uintr_fd (a real one's is in its fdinfo), or -errno.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_sim_fd_vector")]
    internal static partial int SimFdVector(int fd);
}
