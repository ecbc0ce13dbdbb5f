using System.Net.Sockets;
using UintrIpc.Engine;

namespace UintrIpc.Wire;

/// <summary>
/// Waits, without holding a thread per wait, until sockets can take more data: a registration
/// of the <see cref="PollEngine"/> per waiting send (.NET has no asynchronous "wait until
/// writable" for a socket, and a descriptor must ride on a <c>sendmsg</c> the library makes itself).
/// </summary>
internal static class SocketWritability
{
    /// <summary>
    /// Completes when <paramref name="socket"/> polls writable (or in error: the next send says
    /// what is wrong). The socket cannot be closed and its number reused while the wait lasts.
    /// </summary>
    public static Task WaitAsync(Socket socket, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = new Waiter(socket.SafeHandle);
        PollEngine.Add(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                if (PollEngine.Remove(waiter))
                {
                    waiter.Release();
                    waiter.Completion.TrySetCanceled(cancellationToken);
                }
            });
            waiter.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return waiter.Completion.Task;
    }

    /// <summary>Starts the poll engine's thread and eventfd (tests count them as the process's fixed resources).</summary>
    internal static void EnsureStarted() => PollEngine.EnsureStarted();

    private sealed class Waiter : PollRegistration
    {
        private readonly SafeHandle _socket;
        private readonly int _fd;
        private bool _added;

        public Waiter(SafeHandle socket)
        {
            _socket = socket;
            socket.DangerousAddRef(ref _added);
            _fd = (int)socket.DangerousGetHandle();
        }

        internal override int Fd => _fd;

        internal override bool ForWriting => true;

        /// <summary>A socket disposed while its send waits stays open (this waiter's ref) and may never turn writable.</summary>
        internal override bool NeedsRecheck => true;

        internal override bool Abandoned => _socket.IsClosed;

        /// <summary>Continuations run on the thread pool, never on the poll thread.</summary>
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected internal override void Complete(bool ready)
        {
            Release();
            if (ready)
                Completion.TrySetResult();
            else
                Completion.TrySetException(new ObjectDisposedException(typeof(Socket).FullName));
        }

        public void Release()
        {
            if (_added)
                _socket.DangerousRelease();
            _added = false;
        }
    }
}
