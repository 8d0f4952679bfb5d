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
    [property: Id(3)] Ballot RejectedBy)
{
    public static PrepareResponse From(PrepareReply<RegisterState> reply) => new(reply.Promised, reply.Accepted, reply.Value, reply.RejectedBy);

    public PrepareReply<RegisterState> ToReply() => new(Promised, Accepted, Value, RejectedBy);
}

[GenerateSerializer, Immutable, Alias("caspaxos.AcceptReply")]
internal readonly struct AcceptReplySurrogate
{
    [Id(0)]
    public bool Accepted { get; init; }

    [Id(1)]
    public Ballot RejectedBy { get; init; }
}

[RegisterConverter]
internal sealed class AcceptReplyConverter : IConverter<AcceptReply, AcceptReplySurrogate>
{
    public AcceptReply ConvertFromSurrogate(in AcceptReplySurrogate surrogate) => new(surrogate.Accepted, surrogate.RejectedBy);

    public AcceptReplySurrogate ConvertToSurrogate(in AcceptReply value) => new() { Accepted = value.Accepted, RejectedBy = value.RejectedBy };
}
