namespace CasPaxos.Core;

/// <summary>
/// Carries requests to the acceptors of a register. A reply means the acceptor has durably stored whatever the
/// reply acknowledges; an exception means no reply (the acceptor may or may not have acted).
/// </summary>
public interface IAcceptorTransport<TValue>
    where TValue : class
{
    Task<PrepareReply<TValue>> PrepareAsync(string key, PrepareRequest request, CancellationToken cancellationToken);

    Task<AcceptReply> AcceptAsync(string key, AcceptRequest<TValue> request, CancellationToken cancellationToken);
}
