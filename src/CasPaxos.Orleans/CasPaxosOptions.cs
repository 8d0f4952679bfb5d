using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>
/// Settings of CasPaxos.Orleans, bound from the "CasPaxos" configuration section by the silo host. Silos use all of
/// them; clients use only the key and value limits (to refuse bad input before it travels).
/// </summary>
public sealed class CasPaxosOptions
{
    public const string SectionName = "CasPaxos";

    /// <summary>The grain storage name the acceptors use when <see cref="StorageNames"/> is empty.</summary>
    public const string DefaultStorageName = "CasPaxos";

    /// <summary>N, the acceptors (replicas) per register: 2F+1 tolerates F failed silos. Default 3.</summary>
    public int ReplicaCount { get; set; } = 3;

    /// <summary>Deadline of one change, from the proposer receiving it to an outcome. Default 5 s.</summary>
    public TimeSpan ChangeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a proposer waits for one acceptor before counting it as failed for the round. Default 2 s.</summary>
    public TimeSpan AcceptorCallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Upper bound of the random wait after the first lost round (it doubles per lost round). Default 2 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Cap of the random wait between rounds. Default 100 ms.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Thrifty accepts: send each accept to F+1 acceptors (those that answered the last round) instead of all N, and to the
    /// others only if one of them refuses or fails, or after <see cref="ThriftyAcceptTimeout"/>. Saves N-F-1 durable
    /// writes per change. Default true.
    /// </summary>
    public bool ThriftyAccepts { get; set; } = true;

    /// <summary>
    /// How long a thrifty accept waits for its F+1 acceptors before sending to the rest. Refusals and failed calls send
    /// to the rest at once; this bounds only an acceptor that goes silent. Default 100 ms: under load an accept can queue
    /// for tens of milliseconds, and a spare sent then only adds writes.
    /// </summary>
    public TimeSpan ThriftyAcceptTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most changes to one register that one proposal carries (changes arriving during a round wait for the next). Default 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Longest register key in UTF-8 bytes. Default 256.</summary>
    public int MaxKeyBytes { get; set; } = RegisterLimits.DefaultMaxKeyBytes;

    /// <summary>Largest register value in bytes. Default 64 KiB.</summary>
    public int MaxValueBytes { get; set; } = RegisterLimits.DefaultMaxValueBytes;

    /// <summary>
    /// The grain storage provider of each replica index: entry i serves replica i, so that replicas can live in
    /// separate databases. Empty (the default) puts every replica in <see cref="DefaultStorageName"/>.
    /// </summary>
    public IList<string> StorageNames { get; } = [];

    public string StorageNameFor(int replica)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replica);
        return StorageNames.Count == 0 ? DefaultStorageName : StorageNames[replica];
    }

    internal RegisterLimits Limits => new() { MaxKeyBytes = MaxKeyBytes, MaxValueBytes = MaxValueBytes };

    internal ProposerSettings ProposerSettings => new()
    {
        ChangeTimeout = ChangeTimeout,
        InitialBackoff = InitialBackoff,
        MaxBackoff = MaxBackoff,
        TransportMayDuplicate = false, // Orleans delivers each grain call at most once: it never resends
        ThriftyAcceptTimeout = ThriftyAccepts ? ThriftyAcceptTimeout : null,
    };
}
