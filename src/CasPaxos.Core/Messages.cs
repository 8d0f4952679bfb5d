namespace CasPaxos.Core;

/// <summary>A request from a proposer to one acceptor (replica index 0..N-1) of a register.</summary>
public abstract record AcceptorRequest(int Replica, Ballot Ballot);

/// <summary>Phase 1: "promise not to accept anything below this ballot, and tell me what you accepted".</summary>
public sealed record PrepareRequest(int Replica, Ballot Ballot) : AcceptorRequest(Replica, Ballot);

/// <summary>Phase 2: "accept this value, which descends from <paramref name="Lineage"/>, at this ballot".</summary>
public sealed record AcceptRequest<TValue>(int Replica, Ballot Ballot, TValue Value, Lineage Lineage) : AcceptorRequest(Replica, Ballot)
    where TValue : class;

/// <summary>
/// An acceptor's answer to a prepare: either a promise carrying what it accepted before
/// (<see cref="Accepted"/>, <see cref="Value"/>, <see cref="Lineage"/>), or a rejection naming the ballot that beat
/// the request.
/// </summary>
public sealed record PrepareReply<TValue>(bool Promised, Ballot Accepted, TValue? Value, Lineage Lineage, Ballot RejectedBy)
    where TValue : class
{
    public static PrepareReply<TValue> Promise(Ballot accepted, TValue? value, Lineage lineage) => new(true, accepted, value, lineage, Ballot.Zero);

    public static PrepareReply<TValue> Reject(Ballot rejectedBy) => new(false, Ballot.Zero, null, Lineage.Empty, rejectedBy);
}

/// <summary>
/// An acceptor's answer to an accept: ok, or a rejection naming the ballot that beat the request.
/// <see cref="NeverAccepted"/> on a rejection says the acceptor has not stored the request's ballot and never will;
/// without it (a delayed or duplicated copy of an accept it took earlier and has since moved past) the ballot may be
/// stored, so the rejection proves nothing about where the value lives.
/// </summary>
public sealed record AcceptReply(bool Accepted, Ballot RejectedBy, bool NeverAccepted)
{
    public static AcceptReply Ok { get; } = new(true, Ballot.Zero, false);

    public static AcceptReply Reject(Ballot rejectedBy, bool neverAccepted) => new(false, rejectedBy, neverAccepted);
}
