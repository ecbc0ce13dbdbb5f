using System.Net.Sockets;
using UintrIpc.Interop;
using UintrIpc.Liveness;
using UintrIpc.Pipes;
using static UintrIpc.Channels.ChannelLayout;
using Cleanup = UintrIpc.UintrPipe.Cleanup;
using ScratchFd = UintrIpc.UintrPipe.ScratchFd;

namespace UintrIpc.Channels;

/// <summary>Setting up channel ends: in one process, over a socket (docs/CHANNEL.md section 10), and more producers (section 8).</summary>
internal static class ChannelConnect
{
    /// <summary>
    /// Two ends in this process. Both live and die together, but their owner words are claimed
    /// all the same, so that either reader can take writers from other processes (section 8).
    /// </summary>
    public static (UintrChannel, UintrChannel) CreatePair(UintrChannelOptions? options)
    {
        int size = options?.RingSize ?? RingLayout.DefaultRingSize;
        TimeSpan spin = options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration;
        using var cleanup = new Cleanup();
        SafeFileDescriptorHandle firstToSecond = ChannelFile.Create(size);
        cleanup.Add(new Kept(firstToSecond));
        SafeFileDescriptorHandle secondToFirst = ChannelFile.Create(size);
        cleanup.Add(new Kept(secondToFirst));
        ConsumerSide firstIn = cleanup.Add(Consumer(secondToFirst, size, spin, cleanup.Add(RobustKeeper.Claim(secondToFirst, ConsumerOwnerOffset))));
        ConsumerSide secondIn = cleanup.Add(Consumer(firstToSecond, size, spin, cleanup.Add(RobustKeeper.Claim(firstToSecond, ConsumerOwnerOffset))));
        Doorbell firstSpace = cleanup.Add(Doorbell.Create(spin));
        Doorbell secondSpace = cleanup.Add(Doorbell.Create(spin));
        ProducerSide firstOut = cleanup.Add(new ProducerSide(Map(firstToSecond, size, cleanup), 0, firstSpace,
            cleanup.Add(UintrSender.Register(secondIn.Data.Fd)), cleanup.Add(RobustKeeper.Claim(firstToSecond, SlotOwnerOffset(0)))));
        ProducerSide secondOut = cleanup.Add(new ProducerSide(Map(secondToFirst, size, cleanup), 0, secondSpace,
            cleanup.Add(UintrSender.Register(firstIn.Data.Fd)), cleanup.Add(RobustKeeper.Claim(secondToFirst, SlotOwnerOffset(0)))));
        firstIn.Attach(0, cleanup.Add(UintrSender.Register(secondSpace.Fd)), watchOwner: false);
        secondIn.Attach(0, cleanup.Add(UintrSender.Register(firstSpace.Fd)), watchOwner: false);
        var pair = (new UintrChannel(firstOut, firstIn), new UintrChannel(secondOut, secondIn));
        cleanup.Keep();
        return pair;
    }

    /// <summary>Section 10: both roles run the same exchange; a role equal to the peer's fails on both sides, neither waits.</summary>
    public static async ValueTask<UintrChannel> ConnectAsync(Socket socket, int role, UintrChannelOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        int size = options?.RingSize ?? RingLayout.DefaultRingSize;
        TimeSpan spin = options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration;
        using var cleanup = new Cleanup();
        SafeFileDescriptorHandle output = cleanup.Add(ChannelFile.Create(size));
        OwnedPage producerOwner = cleanup.Add(RobustKeeper.Claim(output, SlotOwnerOffset(0)));   // 1
        ChannelRing outputRing = Map(output, size, cleanup);
        await ChannelMessage.SendAsync(socket, output, role, 0, cancellationToken).ConfigureAwait(false);

        var (input, peerRole, peerSlot) = await ChannelMessage.ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);  // 2
        cleanup.Add(new Kept(input));
        if (peerRole == role)
            throw new UintrException(Errno.EPROTO, role == RoleConnect
                ? "Both sides connected the channel: one side must accept (AcceptUintrChannelAsync) and the other connect."
                : "Both sides accepted the channel: one side must connect (ConnectUintrChannelAsync) and the other accept.");
        if (peerRole is not (RoleConnect or RoleAccept) || peerSlot != 0)
            throw new UintrException(Errno.EPROTO, $"The peer offered its channel's ring to a joining producer (role {peerRole}, slot {peerSlot}): one side must connect and the other accept.");
        int inputSize = ChannelFile.ValidateFresh(input);
        OwnedPage consumerOwner = cleanup.Add(RobustKeeper.Claim(input, ConsumerOwnerOffset));
        ConsumerSide consumer = cleanup.Add(Consumer(input, inputSize, spin, consumerOwner));
        Doorbell space = cleanup.Add(Doorbell.Create(spin));
        await socket.SendUintrFdAsync(consumer.Data.Fd, cancellationToken).ConfigureAwait(false);  // 3
        await socket.SendUintrFdAsync(space.Fd, cancellationToken).ConfigureAwait(false);

        UintrFd peerData = cleanup.Add(new ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;  // 4
        UintrFd peerSpace = cleanup.Add(new ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
        ProducerSide producer = cleanup.Add(new ProducerSide(outputRing, 0, space, cleanup.Add(UintrSender.Register(peerData)), producerOwner));
        consumer.Attach(0, cleanup.Add(UintrSender.Register(peerSpace)), watchOwner: true);
        producer.WatchConsumer();
        var channel = new UintrChannel(producer, consumer);
        cleanup.Keep();
        return channel;
    }

    /// <summary>Section 8, the consumer's side: offers the ring to one more producer, which joins with <see cref="JoinAsync"/>.</summary>
    public static async ValueTask OfferAsync(ConsumerSide consumer, Socket socket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ChannelRing ring = consumer.Ring;
        int slot = -1;
        for (int s = 1; s < MaxProducers && slot < 0; s++)
        {
            if (Interlocked.CompareExchange(ref ring.SlotState(s), SlotOpen, SlotFree) == SlotFree)
                slot = s;
        }
        if (slot < 0)
            throw new InvalidOperationException($"The channel has {MaxProducers} producers already.");
        bool attached = false;
        using var cleanup = new Cleanup();
        try
        {
            await ChannelMessage.SendAsync(socket, consumer.File, RoleOffer, slot, cancellationToken).ConfigureAwait(false);
            await socket.SendUintrFdAsync(consumer.Data.Fd, cancellationToken).ConfigureAwait(false);
            UintrFd space = cleanup.Add(new ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
            if (ChannelFile.OwnerProblem(Volatile.Read(ref ring.SlotOwner(slot))) is string why)
                throw new UintrException(Errno.EPROTO, $"The joining producer's slot {slot}: {why}.");
            UintrSender sender = cleanup.Add(UintrSender.Register(space));
            consumer.Attach(slot, sender, watchOwner: true);
            cleanup.Keep();
            attached = true;
        }
        finally
        {
            if (!attached)
                Interlocked.Exchange(ref ring.SlotState(slot), SlotRefused);
        }
    }

    /// <summary>Section 8, the producer's side: joins a ring another process consumes; the channel only writes.</summary>
    public static async ValueTask<UintrChannel> JoinAsync(Socket socket, UintrChannelOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        TimeSpan spin = options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration;
        using var cleanup = new Cleanup();
        var (file, role, slot) = await ChannelMessage.ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
        cleanup.Add(file);
        if (role != RoleOffer || slot is < 1 or >= MaxProducers)
            throw new UintrException(Errno.EPROTO, $"The peer sent no producer offer (role {role}, slot {slot}): it must call AddProducerAsync on a channel it reads.");
        int size = ChannelFile.ValidateOffer(file, slot);
        ChannelRing ring = Map(file, size, cleanup);
        OwnedPage owned = cleanup.Add(RobustKeeper.Claim(file, SlotOwnerOffset(slot)));
        UintrFd data = cleanup.Add(new ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
        Doorbell space = cleanup.Add(Doorbell.Create(spin));
        ProducerSide producer = cleanup.Add(new ProducerSide(ring, slot, space, cleanup.Add(UintrSender.Register(data)), owned));
        await socket.SendUintrFdAsync(space.Fd, cancellationToken).ConfigureAwait(false);
        producer.WatchConsumer();
        var channel = new UintrChannel(producer, consumer: null);
        cleanup.Keep();
        return channel;
    }

    private static ConsumerSide Consumer(SafeFileDescriptorHandle file, int size, TimeSpan spin, OwnedPage? owned)
    {
        Ring ring = Ring.Map(file, size);
        try
        {
            return new ConsumerSide(file, new ChannelRing(ring), Doorbell.Create(spin), owned);
        }
        catch
        {
            ring.Dispose();
            throw;
        }
    }

    private static ChannelRing Map(SafeFileDescriptorHandle file, int size, Cleanup cleanup) => new(cleanup.Add(Ring.Map(file, size)));

    /// <summary>A ring file the end keeps (a consumer's, to offer it): closed by the cleanup only on failure.</summary>
    private sealed class Kept(SafeFileDescriptorHandle file) : IDisposable
    {
        public void Dispose() => file.Dispose();
    }
}
