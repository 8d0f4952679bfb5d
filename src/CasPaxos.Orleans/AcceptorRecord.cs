using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>An acceptor's durable state as grain storage keeps it.</summary>
[GenerateSerializer, Alias("caspaxos.AcceptorRecord")]
internal sealed class AcceptorRecord
{
    [Id(0)]
    public Ballot Promise { get; set; }

    [Id(1)]
    public Ballot Accepted { get; set; }

    [Id(2)]
    public RegisterState? Value { get; set; }

    [Id(3)]
    public Lineage Lineage { get; set; } = Lineage.Empty;

    public AcceptorState<RegisterState> ToState() => new(Promise, Accepted, Value, Lineage);

    public static AcceptorRecord From(AcceptorState<RegisterState> state)
        => new() { Promise = state.Promise, Accepted = state.Accepted, Value = state.Value, Lineage = state.Lineage };
}
