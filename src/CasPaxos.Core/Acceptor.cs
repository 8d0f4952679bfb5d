namespace CasPaxos.Core;

/// <summary>
/// The acceptor's two transitions. Each returns the reply and, when the request succeeds, the state that must be
/// stored durably BEFORE the reply is sent; a rejection changes nothing and needs no write.
/// </summary>
public static class Acceptor
{
    public static AcceptorDecision<PrepareReply<TValue>, TValue> Prepare<TValue>(AcceptorState<TValue> state, Ballot ballot)
        where TValue : class
    {
        ArgumentNullException.ThrowIfNull(state);
        if (ballot <= state.Promise || ballot <= state.Accepted)
        {
            return new(PrepareReply<TValue>.Reject(Highest(state)), null);
        }

        return new(PrepareReply<TValue>.Promise(state.Accepted, state.Value, state.Lineage), state with { Promise = ballot });
    }

    /// <remarks>
    /// A repeated accept of the ballot already accepted is acknowledged without a write: messages may be duplicated.
    /// The stored promise becomes <c>ballot.Next()</c>: the proposer that just wrote may send its next change
    /// straight to accept with that ballot, and every other proposer must prepare above it. Without the stored
    /// promise, skipping prepare could overwrite a value another proposer committed in between.
    /// </remarks>
    public static AcceptorDecision<AcceptReply, TValue> Accept<TValue>(AcceptorState<TValue> state, Ballot ballot, TValue value, Lineage lineage)
        where TValue : class
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(lineage);
        if (ballot == state.Accepted && !ballot.IsZero)
        {
            return new(AcceptReply.Ok, null); // a copy of an accept already stored: acknowledging it again is the truth
        }

        if (ballot < state.Promise || ballot < state.Accepted)
        {
            // Accepted ballots only grow, and so do promises: below the accepted ballot, this one may have been stored
            // before; above it, the promise refuses it now and forever.
            return new(AcceptReply.Reject(Highest(state), neverAccepted: state.Accepted < ballot), null);
        }

        return new(AcceptReply.Ok, new AcceptorState<TValue>(ballot.Next(), ballot, value, lineage));
    }

    private static Ballot Highest<TValue>(AcceptorState<TValue> state)
        where TValue : class => Ballot.Max(state.Promise, state.Accepted);
}

/// <summary>A transition's result: the reply, and the state to persist first (null when nothing changes).</summary>
public readonly record struct AcceptorDecision<TReply, TValue>(TReply Reply, AcceptorState<TValue>? NextState)
    where TValue : class;
