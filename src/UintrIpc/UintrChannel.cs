using System.Net.Sockets;
using UintrIpc.Channels;

namespace UintrIpc;

/// <summary>
/// Framed messages between two ends, in one process or several, over shared memory: one
/// many-producer, single-consumer ring of records per direction in a sealed memfd, with uintr
/// vectors as doorbells (docs/CHANNEL.md).
/// </summary>
/// <remarks>
/// Each committed message arrives once, whole, in its writer's order. More processes may write
/// into this end's reading direction (<see cref="AddProducerAsync"/> and
/// <see cref="UintrChannelSocketExtensions.JoinUintrChannelAsync"/>). A peer that corrupts the
/// shared ring makes the next call fail with <see cref="UintrException"/> EPROTO.
/// </remarks>
public sealed class UintrChannel : IDisposable, IAsyncDisposable
{
    private readonly ProducerSide _output;
    private readonly ConsumerSide? _input;
    private readonly UintrChannelWriter _writer;
    private readonly UintrChannelReader? _reader;
    private int _disposed;

    internal UintrChannel(ProducerSide output, ConsumerSide? consumer)
    {
        _output = output;
        _input = consumer;
        _writer = new UintrChannelWriter(output.Ring, output.Slot, output.Space, output.ConsumerData, output.Consumer);
        if (consumer is not null)
            _reader = new UintrChannelReader(consumer.Ring, consumer.Data, consumer.ProducerSpace);
    }

    /// <summary>The ring this end reads, for tests that look at it or play a hostile peer.</summary>
    internal ChannelRing? InputRing => _input?.Ring;

    /// <summary>The ring this end writes.</summary>
    internal ChannelRing OutputRing => _output.Ring;

    /// <summary>Two connected ends in this process: each one's <see cref="Writer"/> feeds the other's <see cref="Reader"/>.</summary>
    public static (UintrChannel First, UintrChannel Second) CreatePair(UintrChannelOptions? options = null) =>
        ChannelConnect.CreatePair(options);

    /// <summary>Writes what the other end reads.</summary>
    /// <exception cref="ObjectDisposedException">The channel is disposed.</exception>
    public UintrChannelWriter Writer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _writer;
        }
    }

    /// <summary>Reads what the other end writes.</summary>
    /// <exception cref="ObjectDisposedException">The channel is disposed.</exception>
    /// <exception cref="InvalidOperationException">This end joined another end's ring as a producer only.</exception>
    public UintrChannelReader Reader
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _reader ?? throw new InvalidOperationException("This channel end only writes: it joined another end's ring as a producer.");
        }
    }

    /// <summary>
    /// Offers this end's reading direction to one more writer, in the process at the other end of
    /// <paramref name="socket"/>, which calls <see cref="UintrChannelSocketExtensions.JoinUintrChannelAsync"/>
    /// (docs/CHANNEL.md section 8). Up to 15 writers join a channel's reader besides its peer.
    /// </summary>
    /// <exception cref="InvalidOperationException">This end only writes, or it has 16 writers already.</exception>
    /// <exception cref="UintrException">As for <see cref="UintrChannelSocketExtensions.ConnectUintrChannelAsync"/>.</exception>
    public ValueTask AddProducerAsync(Socket socket, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_input is null)
            throw new InvalidOperationException("This channel end only writes: it has no reading direction to offer.");
        return ChannelConnect.OfferAsync(_input, socket, cancellationToken);
    }

    /// <summary>
    /// Completes both directions (the peer reads every committed message, then the end; its
    /// writers' claims throw <see cref="System.Threading.Channels.ChannelClosedException"/>) and
    /// releases everything; memory of a message still held reads zeros from then on.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _writer.Close();
        _reader?.Close();
        _output.Dispose();
        _input?.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}
