using UintrIpc.Interop;

namespace UintrIpc.Channels;

/// <summary>A peer broke docs/CHANNEL.md (section 7): EPROTO, permanent for the ring.</summary>
internal static class ChannelViolation
{
    public static UintrException Of(string what) => new(Errno.EPROTO, $"The channel's peer broke the ring protocol: {what}.");
}
