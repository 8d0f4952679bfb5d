namespace CasPaxos.Core;

/// <summary>How long a proposer keeps trying one change, and how it backs off after losing a round.</summary>
public sealed record ProposerSettings
{
    /// <summary>Deadline for one change, from its start to an outcome. Default 5 s.</summary>
    public TimeSpan ChangeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound of the random wait after the first lost round; it doubles per lost round. Default 2 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Cap of the random wait between rounds. Default 100 ms.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many runs of ancestors an accepted value records (<see cref="Lineage"/>). Deeper lineages settle more
    /// contended retries as committed instead of unknown, at 24 bytes per run per stored value. Default 8.
    /// </summary>
    public int LineageDepth { get; init; } = 8;

    /// <summary>
    /// Whether the transport may deliver one request twice. If it may, a rejected accept can be the answer to a second
    /// copy of an accept whose first copy was stored, so only a rejection that says <see cref="AcceptReply.NeverAccepted"/>
    /// proves nothing was stored. Orleans processes each grain call at most once. Default true (the safe assumption).
    /// </summary>
    public bool TransportMayDuplicate { get; init; } = true;

    /// <summary>
    /// Thrifty accepts: send an accept to an accept quorum of acceptors that answered the last round, and to the rest only
    /// if one of them refuses or fails, or after this long without a quorum. Null (the default) sends every accept to all
    /// acceptors at once, as the paper does.
    /// </summary>
    public TimeSpan? ThriftyAcceptTimeout { get; init; }

    public void Validate()
    {
        if (LineageDepth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LineageDepth), LineageDepth, "A lineage must record at least the parent.");
        }

        if (ChangeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ChangeTimeout), ChangeTimeout, "The change timeout must be positive.");
        }

        if (ThriftyAcceptTimeout is { } thrifty && thrifty <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ThriftyAcceptTimeout), thrifty, "The thrifty accept timeout must be positive (or null to send every accept to all acceptors).");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialBackoff), $"Backoff must satisfy 0 < initial ({InitialBackoff}) <= max ({MaxBackoff}).");
        }
    }
}
