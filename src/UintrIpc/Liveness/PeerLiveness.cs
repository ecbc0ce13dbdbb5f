namespace UintrIpc.Liveness;

/// <summary>
/// Whether the peer process is known to be dead, and who to wake when it dies (docs/PIPE.md
/// section 9). Set by the watcher of the peer's owner words, or by a send that found it gone.
/// </summary>
internal sealed class PeerLiveness
{
    private int _dead;
    private Action? _onDeath;

    public bool IsDead => Volatile.Read(ref _dead) != 0;

    /// <summary>Called once, on the thread that learns of the death.</summary>
    public void OnDeath(Action onDeath) => _onDeath = onDeath;

    public void MarkDead()
    {
        if (Interlocked.Exchange(ref _dead, 1) == 0)
            _onDeath?.Invoke();
    }
}
