using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>One acceptor of one register (key "r{replica}/{register key}"); see <see cref="AcceptorGrain"/>.</summary>
/// <remarks>
/// The proposer cancels a call it no longer waits for: Orleans then drops a request still queued at the acceptor and
/// stops waiting for the response. A write the acceptor has begun is finished, never cut off halfway.
/// </remarks>
[Alias("caspaxos.IAcceptorGrain")]
internal interface IAcceptorGrain : IGrainWithStringKey
{
    [Alias("Prepare")]
    Task<PrepareResponse> Prepare(Ballot ballot, CancellationToken cancellationToken = default);

    [Alias("Accept")]
    Task<AcceptReply> Accept(Ballot ballot, RegisterState value, Lineage lineage, CancellationToken cancellationToken = default);
}
