using UintrIpc.Interop;
using UintrIpc.Liveness;
using UintrIpc.Pipes;

namespace UintrIpc.Channels;

/// <summary>
/// What an end holds to consume one ring: the file (to offer it to more producers), the
/// mapping, the data doorbell, a sender of each producer's space doorbell and the watches on
/// the producers' owner words (docs/CHANNEL.md sections 5, 8 and 9).
/// </summary>
internal sealed unsafe class ConsumerSide(SafeFileDescriptorHandle file, ChannelRing ring, Doorbell data, OwnedPage? owned) : IDisposable
{
    private readonly List<IDisposable> _watches = [];

    public SafeFileDescriptorHandle File => file;

    public ChannelRing Ring => ring;

    public Doorbell Data => data;

    public Doorbell.Remote?[] ProducerSpace { get; } = new Doorbell.Remote?[ChannelLayout.MaxProducers];

    /// <summary>Adds producer <paramref name="slot"/>: a sender of its space doorbell and, across processes, a watch on its owner word.</summary>
    public void Attach(int slot, UintrSender space, bool watchOwner)
    {
        var remote = new Doorbell.Remote(space, new PeerLiveness());
        Volatile.Write(ref ProducerSpace[slot], remote);
        // A producer that asked for space before it had a sender here would otherwise wait for
        // ever: one spurious post ends such a wait (it looks at head again).
        remote.Post();
        if (watchOwner)
        {
            lock (_watches)
                _watches.Add(PeerDeathWatcher.Watch((uint*)(ring.Ring.Header + ChannelLayout.SlotOwnerOffset(slot)), data.Interrupt));
        }
    }

    public void Dispose()
    {
        lock (_watches)
        {
            foreach (IDisposable watch in _watches)
                watch.Dispose();  // before the ring is unmapped
        }
        owned?.Dispose();         // after the consumer's final state is in the ring
        foreach (Doorbell.Remote? remote in ProducerSpace)
            remote?.Dispose();
        data.Dispose();
        ring.Ring.Dispose();
        file.Dispose();
    }
}

/// <summary>What an end holds to produce into one ring: its slot, its space doorbell, a sender of the consumer's data doorbell, the watch on the consumer.</summary>
internal sealed unsafe class ProducerSide(ChannelRing ring, int slot, Doorbell space, UintrSender consumerData, OwnedPage? owned) : IDisposable
{
    private IDisposable? _watch;

    public ChannelRing Ring => ring;

    public int Slot => slot;

    public Doorbell Space => space;

    public PeerLiveness Consumer { get; } = new();

    public Doorbell.Remote ConsumerData { get; } = new(consumerData, new PeerLiveness());

    /// <summary>Across processes: wakes this producer's waits when the consumer's owner word says it died.</summary>
    public void WatchConsumer()
    {
        Consumer.OnDeath(space.Interrupt);
        _watch = PeerDeathWatcher.Watch((uint*)(ring.Ring.Header + ChannelLayout.ConsumerOwnerOffset), Consumer.MarkDead);
    }

    public void Dispose()
    {
        _watch?.Dispose();
        owned?.Dispose();
        ConsumerData.Dispose();
        space.Dispose();
        ring.Ring.Dispose();
    }
}
