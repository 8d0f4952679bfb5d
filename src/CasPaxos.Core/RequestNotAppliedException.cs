namespace CasPaxos.Core;

/// <summary>
/// Thrown by an <see cref="IAcceptorTransport{TValue}"/> when a request certainly did not take effect at the acceptor
/// (it was never delivered, or the acceptor's storage refused it before writing). Any other exception means the
/// acceptor may have acted, which a proposer must assume for an accept.
/// </summary>
public sealed class RequestNotAppliedException : Exception
{
    public RequestNotAppliedException()
    {
    }

    public RequestNotAppliedException(string message)
        : base(message)
    {
    }

    public RequestNotAppliedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
