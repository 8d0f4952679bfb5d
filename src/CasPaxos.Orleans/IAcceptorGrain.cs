using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>One acceptor of one register (key "r{replica}/{register key}"); see <see cref="AcceptorGrain"/>.</summary>
[Alias("caspaxos.IAcceptorGrain")]
internal interface IAcceptorGrain : IGrainWithStringKey
{
    [Alias("Prepare")]
    Task<PrepareResponse> Prepare(Ballot ballot);

    [Alias("Accept")]
    Task<AcceptReply> Accept(Ballot ballot, RegisterState value, Lineage lineage);
}
