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

[GenerateSerializer, Immutable, Alias("caspaxos.PrepareReply")]
internal readonly struct PrepareReplySurrogate
{
    [Id(0)]
    public bool Promised { get; init; }

    [Id(1)]
    public Ballot Accepted { get; init; }

    [Id(2)]
    public RegisterState? Value { get; init; }

    [Id(3)]
    public Ballot RejectedBy { get; init; }
}

[RegisterConverter]
internal sealed class PrepareReplyConverter : IConverter<PrepareReply<RegisterState>, PrepareReplySurrogate>
{
    public PrepareReply<RegisterState> ConvertFromSurrogate(in PrepareReplySurrogate surrogate)
        => new(surrogate.Promised, surrogate.Accepted, surrogate.Value, surrogate.RejectedBy);

    public PrepareReplySurrogate ConvertToSurrogate(in PrepareReply<RegisterState> value)
        => new() { Promised = value.Promised, Accepted = value.Accepted, Value = value.Value, RejectedBy = value.RejectedBy };
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
