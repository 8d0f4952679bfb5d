namespace CasPaxos.Core;

/// <summary>
/// A ballot number: ordered by <see cref="Counter"/>, then by <see cref="ProposerId"/>.
/// Proposer ids are unique, so no two proposers ever use the same ballot.
/// </summary>
public readonly record struct Ballot(long Counter, long ProposerId) : IComparable<Ballot>
{
    /// <summary>The ballot of an acceptor that has promised and accepted nothing; lower than every proposer's ballot.</summary>
    public static Ballot Zero => default;

    public bool IsZero => Counter == 0 && ProposerId == 0;

    /// <summary>The next ballot of the same proposer: what an acceptor promises when it accepts this one.</summary>
    public Ballot Next() => new(checked(Counter + 1), ProposerId);

    public int CompareTo(Ballot other)
    {
        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : ProposerId.CompareTo(other.ProposerId);
    }

    public static bool operator <(Ballot left, Ballot right) => left.CompareTo(right) < 0;
    public static bool operator >(Ballot left, Ballot right) => left.CompareTo(right) > 0;
    public static bool operator <=(Ballot left, Ballot right) => left.CompareTo(right) <= 0;
    public static bool operator >=(Ballot left, Ballot right) => left.CompareTo(right) >= 0;

    public static Ballot Max(Ballot left, Ballot right) => left >= right ? left : right;

    public override string ToString() => $"{Counter}.{ProposerId:x}";
}
