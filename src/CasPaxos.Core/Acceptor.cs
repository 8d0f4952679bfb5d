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
        if (ballot < state.Promise || ballot <= state.Accepted)
        {
            return new(AcceptReply.Reject(Highest(state)), null);
        }

        return new(AcceptReply.Ok, new AcceptorState<TValue>(ballot.Next(), ballot, value, lineage));
    }

    private static Ballot Highest<TValue>(AcceptorState<TValue> state)
        where TValue : class => Ballot.Max(state.Promise, state.Accepted);
}

/// <summary>A transition's result: the reply, and the state to persist first (null when nothing changes).</summary>
public readonly record struct AcceptorDecision<TReply, TValue>(TReply Reply, AcceptorState<TValue>? NextState)
    where TValue : class;
