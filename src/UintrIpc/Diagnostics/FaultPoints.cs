namespace UintrIpc.Diagnostics;

/// <summary>
/// Named points between two steps of closing a page, where the tests' child process
/// (tests/UintrIpc.TestPeer) kills itself to check what a sender sees of a death there
/// (docs/ABI.md sections 5 and 6: a page is never left looking alive by a dead receiver).
/// </summary>
/// <remarks>
/// Nothing outside the tests sets <see cref="Reached"/>: each point then costs one load of a
/// static field, on close paths only, never on a send, a collect or a wait.
/// </remarks>
internal static class FaultPoints
{
    /// <summary>The vector's slot is retired (a private zero page); the page is not yet CLOSED.</summary>
    internal const string Retired = "retired";

    /// <summary>The page is CLOSED; its owner word is still on the robust list.</summary>
    internal const string Closed = "closed";

    /// <summary>The owner word is off the robust list; the slot still maps the page.</summary>
    internal const string Unlinked = "unlinked";

    /// <summary>Called with the point's name at each point; null outside the tests.</summary>
    internal static Action<string>? Reached;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Reach(string point) => Reached?.Invoke(point);
}
