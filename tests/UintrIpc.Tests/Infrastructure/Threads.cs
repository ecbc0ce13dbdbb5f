namespace UintrIpc.Tests.Infrastructure;

/// <summary>What the kernel says about this process's threads (/proc/self/task).</summary>
internal static class Threads
{
    /// <summary>
    /// The kernel function the thread named <paramref name="name"/> sleeps in (its <c>wchan</c>),
    /// or a text saying there is no such thread. Thread names are cut to 15 characters.
    /// </summary>
    public static string WaitChannel(string name)
    {
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == name)
                    return File.ReadAllText(Path.Combine(task, "wchan")).Trim();
            }
            catch (IOException)
            {
                // the thread exited while we looked
            }
        }
        return $"(no thread named {name})";
    }

    /// <summary>Whether the thread named <paramref name="name"/> sleeps in a futex wait.</summary>
    public static bool AsleepInFutex(string name) => WaitChannel(name).Contains("futex", StringComparison.Ordinal);

    /// <summary>
    /// Whether the thread <paramref name="tid"/> of this process is asleep in the kernel's futex
    /// wait: state S in its stat and a futex function in its wchan (not merely about to sleep).
    /// </summary>
    public static bool AsleepInFutex(int tid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            char state = stat[stat.LastIndexOf(')') + 2];
            return state == 'S' && File.ReadAllText($"/proc/self/task/{tid}/wchan").Contains("futex", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // the thread exited
        }
    }
}
