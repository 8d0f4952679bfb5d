namespace CasPaxos.Core;

/// <summary>
/// A CASPaxos proposer: issues ballots, starts proposals, and remembers per key the value it last committed
/// with the ballot the acceptors promised it (one round trip for its next change to that key).
/// Not thread-safe: drive one proposer from one logical thread (an Orleans activation, a simulator loop).
/// </summary>
public sealed class Proposer<TValue>
    where TValue : class
{
    private readonly Dictionary<string, Committed> _lastCommitted = new(StringComparer.Ordinal);
    private readonly Random _random;

    public Proposer(long proposerId, Quorum quorum, ProposerSettings settings, Random random)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(random);
        settings.Validate();
        Clock = new BallotClock(proposerId);
        Quorum = quorum;
        Settings = settings;
        _random = random;
    }

    public BallotClock Clock { get; }

    public Quorum Quorum { get; }

    public ProposerSettings Settings { get; }

    /// <summary>
    /// Starts carrying <paramref name="change"/> to the register <paramref name="key"/>. The change function must be
    /// deterministic; it may run more than once (once per round that applies it) and may throw to refuse the change.
    /// </summary>
    public Proposal<TValue, TResult> Propose<TResult>(string key, ChangeFunction<TValue, TResult> change, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(change);

        // Taking the entry out means that only one proposal ever uses a stored promise: two concurrent
        // proposals on one key must never send different values at the same ballot.
        Committed? cached = _lastCommitted.Remove(key, out var entry) ? entry : null;
        return new Proposal<TValue, TResult>(this, key, change, now, cached);
    }

    /// <summary>Drops what the proposer remembers of <paramref name="key"/>: its next change prepares first.</summary>
    public void Forget(string key) => _lastCommitted.Remove(key);

    /// <param name="acknowledged">The acceptors whose acknowledgements made the quorum: the next accept goes to them first.</param>
    internal void OnCommitted(string key, Ballot ballot, TValue value, Lineage lineage, int[] acknowledged)
    {
        Clock.Observe(ballot.Next());
        if (!_lastCommitted.TryGetValue(key, out var known) || known.Ballot < ballot)
        {
            _lastCommitted[key] = new Committed(ballot, value, lineage, acknowledged);
        }
    }

    /// <summary>Full jitter: uniform in [0, min(max, initial * 2^(lostRounds-1))).</summary>
    internal TimeSpan Backoff(int lostRounds)
    {
        var exponent = Math.Min(lostRounds - 1, 30);
        var cap = Math.Min(Settings.MaxBackoff.Ticks, Settings.InitialBackoff.Ticks << exponent);
        if (cap <= 0)
        {
            cap = Settings.MaxBackoff.Ticks;
        }

        return TimeSpan.FromTicks((long)(cap * _random.NextDouble()));
    }

    internal readonly record struct Committed(Ballot Ballot, TValue Value, Lineage Lineage, int[] Acknowledged);
}

/// <summary>
/// The paper's change function: from the current register value (null for a register never written) to the next
/// value, plus what the caller should learn about it. Must be deterministic; throwing refuses the change.
/// </summary>
public delegate (TValue Next, TResult Result) ChangeFunction<TValue, TResult>(TValue? current)
    where TValue : class;
