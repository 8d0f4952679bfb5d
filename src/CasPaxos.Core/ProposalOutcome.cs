namespace CasPaxos.Core;

/// <summary>The three outcomes a caller must be able to tell apart.</summary>
public enum ProposalStatus
{
    /// <summary>A quorum accepted the new value: the change took effect exactly once.</summary>
    Committed,

    /// <summary>No accept carrying the change can ever take effect: nothing was sent, or every acceptor refused it.</summary>
    NotApplied,

    /// <summary>An accept was sent but no quorum confirmed it: the change may still take effect later, or never.</summary>
    Unknown,
}

/// <summary>Why a proposal did not commit.</summary>
public enum ProposalFailure
{
    None,

    /// <summary>The change function threw; the register is unchanged.</summary>
    ChangeFailed,

    /// <summary>Too few acceptors answered before the deadline.</summary>
    NoQuorum,

    /// <summary>Every round up to the deadline lost to other proposers' higher ballots.</summary>
    Contention,

    /// <summary>The caller gave up.</summary>
    Cancelled,

    /// <summary>An earlier accept of this change may have been adopted by a competing proposer.</summary>
    CompetingProposer,
}

public sealed record ProposalOutcome<TValue, TResult>
    where TValue : class
{
    public required ProposalStatus Status { get; init; }

    /// <summary>The committed value (when <see cref="Status"/> is Committed).</summary>
    public TValue? Value { get; init; }

    /// <summary>What the change function reported for the committed value.</summary>
    public TResult? Result { get; init; }

    /// <summary>The ballot the value was committed at.</summary>
    public Ballot Ballot { get; init; }

    public ProposalFailure Failure { get; init; }

    /// <summary>What the change function threw, when <see cref="Failure"/> is ChangeFailed.</summary>
    public Exception? ChangeError { get; init; }

    /// <summary>A sentence for logs and error messages.</summary>
    public required string Detail { get; init; }

    /// <summary>Prepare and accept rounds started, the skipped prepare of a one-round-trip change not counted.</summary>
    public int Rounds { get; init; }

    /// <summary>Rounds lost (to rejections or missing replies) and started again after a backoff.</summary>
    public int Retries { get; init; }

    /// <summary>Rejections received from acceptors that had promised a higher ballot.</summary>
    public int Rejections { get; init; }

    /// <summary>Accept rounds that went to the acceptors a thrifty accept held in reserve (a preferred one refused, failed or was slow).</summary>
    public int SpareRounds { get; init; }

    /// <summary>True when the change committed without a prepare round, on the promise stored by the previous accept.</summary>
    public bool OneRoundTrip { get; init; }
}
