namespace CasPaxos.Core;

/// <summary>
/// Issues a proposer's ballots. Every ballot it issues is higher than every ballot it has issued or
/// observed, which is how a proposer fast-forwards past the ballot that beat it.
/// </summary>
public sealed class BallotClock
{
    private long _counter;

    public BallotClock(long proposerId)
    {
        if (proposerId <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(proposerId), proposerId, "A proposer id must be positive: zero is reserved for the empty ballot.");
        }

        ProposerId = proposerId;
    }

    public long ProposerId { get; }

    public Ballot NextBallot() => new(checked(++_counter), ProposerId);

    /// <summary>Fast-forward: the next ballot will be above <paramref name="seen"/>.</summary>
    public void Observe(Ballot seen)
    {
        if (seen.Counter > _counter)
        {
            _counter = seen.Counter;
        }
    }
}
