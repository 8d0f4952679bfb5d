namespace CasPaxos.Core;

/// <summary>
/// The ballots an accepted value descends from: the ballot of the value it was computed from, that value's parent,
/// and so on. Every value is some earlier value with changes applied, so a proposer whose accept may have been
/// adopted by a competitor can tell from the lineage whether the competitor's value already holds its change (one of
/// its own ballots is an ancestor), certainly does not (the chain reaches below its oldest accept, or back to the
/// empty register, without passing through one), or cannot be told (the chain was cut too short).
/// </summary>
/// <remarks>
/// Ancestors are kept as runs: a proposer on the one-round-trip path commits ballot after ballot, each the Next() of
/// the one before, and such a run costs one entry however long it grows. Only the newest runs are kept.
/// </remarks>
public sealed class Lineage : IEquatable<Lineage>
{
    private readonly LineageRun[] _runs;

    private Lineage(LineageRun[] runs, bool reachesEmptyRegister)
    {
        _runs = runs;
        ReachesEmptyRegister = reachesEmptyRegister;
    }

    /// <summary>The lineage of a value computed from the empty register: no ancestors, and nothing was cut.</summary>
    public static Lineage Empty { get; } = new([], reachesEmptyRegister: true);

    /// <summary>The runs of ancestors, newest (holding the parent) first.</summary>
    public IReadOnlyList<LineageRun> Runs => _runs;

    /// <summary>True when the chain is whole back to the empty register; false when older runs were cut off.</summary>
    public bool ReachesEmptyRegister { get; }

    public static Lineage FromRuns(IEnumerable<LineageRun> newestFirst, bool reachesEmptyRegister)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        var runs = newestFirst.ToArray();
        for (var i = 0; i < runs.Length; i++)
        {
            if (runs[i].ProposerId <= 0 || runs[i].FirstCounter < 0 || runs[i].LastCounter < runs[i].FirstCounter ||
                (i > 0 && runs[i].Newest >= runs[i - 1].Oldest))
            {
                throw new ArgumentException("A lineage lists well-formed runs of strictly decreasing ballots, newest first.", nameof(newestFirst));
            }
        }

        return runs.Length == 0 && reachesEmptyRegister ? Empty : new Lineage(runs, reachesEmptyRegister);
    }

    /// <summary>The lineage of a value computed from the value accepted at <paramref name="parent"/> with this lineage.</summary>
    /// <param name="depth">How many runs to keep; older ones are cut.</param>
    public Lineage Descend(Ballot parent, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        if (parent.IsZero)
        {
            return Empty;
        }

        if (_runs.Length > 0 && _runs[0].ProposerId == parent.ProposerId && _runs[0].LastCounter + 1 == parent.Counter)
        {
            var extended = (LineageRun[])_runs.Clone();
            extended[0] = extended[0] with { LastCounter = parent.Counter };
            return new Lineage(extended, ReachesEmptyRegister);
        }

        var kept = Math.Min(_runs.Length, depth - 1);
        var runs = new LineageRun[kept + 1];
        runs[0] = new LineageRun(parent.ProposerId, parent.Counter, parent.Counter);
        Array.Copy(_runs, 0, runs, 1, kept);
        return new Lineage(runs, ReachesEmptyRegister && kept == _runs.Length);
    }

    public bool Contains(Ballot ballot) => _runs.Any(run => run.Contains(ballot));

    /// <summary>True when the chain certainly goes back below <paramref name="ballot"/>.</summary>
    public bool ReachesBelow(Ballot ballot) => ReachesEmptyRegister || (_runs.Length > 0 && _runs[^1].Oldest < ballot);

    public bool Equals(Lineage? other)
        => other is not null && ReachesEmptyRegister == other.ReachesEmptyRegister && _runs.AsSpan().SequenceEqual(other._runs);

    public override bool Equals(object? obj) => Equals(obj as Lineage);

    public override int GetHashCode() => _runs.Length == 0 ? ReachesEmptyRegister.GetHashCode() : HashCode.Combine(_runs.Length, _runs[0]);

    public override string ToString() => $"[{string.Join(", ", _runs)}{(ReachesEmptyRegister ? ", empty" : ", ...")}]";
}

/// <summary>Ballots (FirstCounter..LastCounter, ProposerId), each an ancestor and the parent of the next.</summary>
public readonly record struct LineageRun(long ProposerId, long FirstCounter, long LastCounter)
{
    public Ballot Oldest => new(FirstCounter, ProposerId);

    public Ballot Newest => new(LastCounter, ProposerId);

    public bool Contains(Ballot ballot) => ballot.ProposerId == ProposerId && ballot.Counter >= FirstCounter && ballot.Counter <= LastCounter;

    public override string ToString() => FirstCounter == LastCounter ? Newest.ToString() : $"{FirstCounter}..{Newest}";
}
