namespace CasPaxos.Core;

/// <summary>
/// What an acceptor must keep durably: the ballot it promised, the ballot it last accepted and the value
/// accepted with it (null while it has accepted nothing).
/// </summary>
public sealed record AcceptorState<TValue>(Ballot Promise, Ballot Accepted, TValue? Value)
    where TValue : class
{
    public static AcceptorState<TValue> Initial { get; } = new(Ballot.Zero, Ballot.Zero, null);
}
