namespace UintrIpc;

/// <summary>
/// A user-interrupt handler. It runs on the thread inside <see cref="UintrReceiver.Wait(TimeSpan)"/>
/// or <see cref="UintrReceiver.Poll"/>, once per pending vector, with interrupts disabled.
/// </summary>
/// <param name="vector">The vector that was posted, 0–63.</param>
public delegate void UintrHandler(int vector);
