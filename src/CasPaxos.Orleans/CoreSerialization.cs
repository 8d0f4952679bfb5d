using CasPaxos.Core;

namespace CasPaxos.Orleans;

// CasPaxos.Core knows nothing of Orleans, so its messages cross the wire through these surrogates.

[GenerateSerializer, Immutable, Alias("caspaxos.Ballot")]
internal readonly struct BallotSurrogate
{
    [Id(0)]
    public long Counter { get; init; }

    [Id(1)]
    public long ProposerId { get; init; }
}

[RegisterConverter]
internal sealed class BallotConverter : IConverter<Ballot, BallotSurrogate>
{
    public Ballot ConvertFromSurrogate(in BallotSurrogate surrogate) => new(surrogate.Counter, surrogate.ProposerId);

    public BallotSurrogate ConvertToSurrogate(in Ballot value) => new() { Counter = value.Counter, ProposerId = value.ProposerId };
}

/// <summary>
/// <see cref="PrepareReply{TValue}"/> of a register on the wire (Orleans converters cannot target a closed generic type).
/// </summary>
[GenerateSerializer, Immutable, Alias("caspaxos.PrepareReply")]
internal readonly record struct PrepareResponse(
    [property: Id(0)] bool Promised,
    [property: Id(1)] Ballot Accepted,
    [property: Id(2)] RegisterState? Value,
    [property: Id(3)] Lineage Lineage,
    [property: Id(4)] Ballot RejectedBy)
{
    public static PrepareResponse From(PrepareReply<RegisterState> reply) => new(reply.Promised, reply.Accepted, reply.Value, reply.Lineage, reply.RejectedBy);

    public PrepareReply<RegisterState> ToReply() => new(Promised, Accepted, Value, Lineage, RejectedBy);
}

[GenerateSerializer, Immutable, Alias("caspaxos.Lineage")]
internal readonly struct LineageSurrogate
{
    /// <summary>Runs as (proposer id, first counter, last counter) triples, newest first.</summary>
    [Id(0)]
    public long[] Runs { get; init; }

    [Id(1)]
    public bool ReachesEmptyRegister { get; init; }
}

[RegisterConverter]
internal sealed class LineageConverter : IConverter<Lineage, LineageSurrogate>
{
    public Lineage ConvertFromSurrogate(in LineageSurrogate surrogate)
    {
        var flat = surrogate.Runs ?? [];
        var runs = new LineageRun[flat.Length / 3];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = new LineageRun(flat[3 * i], flat[(3 * i) + 1], flat[(3 * i) + 2]);
        }

        return Lineage.FromRuns(runs, surrogate.ReachesEmptyRegister);
    }

    public LineageSurrogate ConvertToSurrogate(in Lineage value)
    {
        var flat = new long[value.Runs.Count * 3];
        for (var i = 0; i < value.Runs.Count; i++)
        {
            (flat[3 * i], flat[(3 * i) + 1], flat[(3 * i) + 2]) = (value.Runs[i].ProposerId, value.Runs[i].FirstCounter, value.Runs[i].LastCounter);
        }

        return new() { Runs = flat, ReachesEmptyRegister = value.ReachesEmptyRegister };
    }
}

[GenerateSerializer, Immutable, Alias("caspaxos.AcceptReply")]
internal readonly struct AcceptReplySurrogate
{
    [Id(0)]
    public bool Accepted { get; init; }

    [Id(1)]
    public Ballot RejectedBy { get; init; }

    [Id(2)]
    public bool NeverAccepted { get; init; }
}

[RegisterConverter]
internal sealed class AcceptReplyConverter : IConverter<AcceptReply, AcceptReplySurrogate>
{
    public AcceptReply ConvertFromSurrogate(in AcceptReplySurrogate surrogate) => new(surrogate.Accepted, surrogate.RejectedBy, surrogate.NeverAccepted);

    public AcceptReplySurrogate ConvertToSurrogate(in AcceptReply value)
        => new() { Accepted = value.Accepted, RejectedBy = value.RejectedBy, NeverAccepted = value.NeverAccepted };
}
