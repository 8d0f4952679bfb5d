namespace CasPaxos.Core;

/// <summary>
/// What an acceptor must keep durably: the ballot it promised, the ballot it last accepted, the value accepted with
/// it (null while it has accepted nothing) and that value's lineage.
/// </summary>
public sealed record AcceptorState<TValue>(Ballot Promise, Ballot Accepted, TValue? Value, Lineage Lineage)
    where TValue : class
{
    public static AcceptorState<TValue> Initial { get; } = new(Ballot.Zero, Ballot.Zero, null, Lineage.Empty);
}
