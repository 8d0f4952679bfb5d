using Orleans.Storage;

namespace CasPaxos.Orleans;

/// <summary>
/// Grain storage serializer of the CasPaxos storage providers: acceptor records in their compact binary form
/// (<see cref="AcceptorRecordEncoding"/>), anything else through <paramref name="other"/>.
/// </summary>
internal sealed class CasPaxosGrainStorageSerializer(IGrainStorageSerializer other) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input)
        => input is AcceptorRecord record ? new BinaryData(AcceptorRecordEncoding.Encode(record)) : other.Serialize(input);

    public T? Deserialize<T>(BinaryData input)
        => typeof(T) == typeof(AcceptorRecord) ? (T)(object)AcceptorRecordEncoding.Decode(input.ToMemory().Span) : other.Deserialize<T>(input);
}
