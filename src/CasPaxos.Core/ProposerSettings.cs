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

    public void Validate()
    {
        if (ChangeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ChangeTimeout), ChangeTimeout, "The change timeout must be positive.");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialBackoff), $"Backoff must satisfy 0 < initial ({InitialBackoff}) <= max ({MaxBackoff}).");
        }
    }
}
