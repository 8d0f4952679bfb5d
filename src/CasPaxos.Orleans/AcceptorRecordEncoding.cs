using System.Buffers.Binary;
using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>
/// The compact binary form of an <see cref="AcceptorRecord"/> in storage: a format byte, the promised and accepted
/// ballots, the lineage as runs, and the register (version and value bytes). About 70 bytes plus the value, against
/// several hundred for a general-purpose serializer, and no type names to break when classes are renamed.
/// </summary>
internal static class AcceptorRecordEncoding
{
    private const byte Format = 1;
    private const byte ReachesEmptyRegister = 1;
    private const byte NoRegister = 0;
    private const byte RegisterWithoutValue = 1;
    private const byte RegisterWithValue = 2;

    public static byte[] Encode(AcceptorRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var runs = record.Lineage.Runs;
        var value = record.Value?.Value;
        var size = 1 + 32 + 1 + 4 + (runs.Count * 24) + 1 + (record.Value is null ? 0 : 8 + (value is null ? 0 : 4 + value.Length));
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = Format;
        var at = 1;
        Put(span, ref at, record.Promise.Counter);
        Put(span, ref at, record.Promise.ProposerId);
        Put(span, ref at, record.Accepted.Counter);
        Put(span, ref at, record.Accepted.ProposerId);
        span[at++] = record.Lineage.ReachesEmptyRegister ? ReachesEmptyRegister : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], runs.Count);
        at += 4;
        foreach (var run in runs)
        {
            Put(span, ref at, run.ProposerId);
            Put(span, ref at, run.FirstCounter);
            Put(span, ref at, run.LastCounter);
        }

        if (record.Value is not { } register)
        {
            span[at] = NoRegister;
            return buffer;
        }

        span[at++] = value is null ? RegisterWithoutValue : RegisterWithValue;
        Put(span, ref at, register.Version);
        if (value is not null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], value.Length);
            value.CopyTo(span[(at + 4)..]);
        }

        return buffer;
    }

    public static AcceptorRecord Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 39 || data[0] != Format)
        {
            throw new FormatException($"Not an acceptor record in format {Format} ({data.Length} bytes, format byte {(data.Length > 0 ? data[0] : -1)}).");
        }

        var at = 1;
        var promise = new Ballot(Take(data, ref at), Take(data, ref at));
        var accepted = new Ballot(Take(data, ref at), Take(data, ref at));
        var complete = data[at++] == ReachesEmptyRegister;
        var count = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
        at += 4;
        var runs = new LineageRun[count];
        for (var i = 0; i < count; i++)
        {
            runs[i] = new LineageRun(Take(data, ref at), Take(data, ref at), Take(data, ref at));
        }

        RegisterState? register = null;
        var kind = data[at++];
        if (kind != NoRegister)
        {
            var version = Take(data, ref at);
            byte[]? value = null;
            if (kind == RegisterWithValue)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
                value = data.Slice(at + 4, length).ToArray();
            }

            register = new RegisterState(version, value);
        }

        return new AcceptorRecord { Promise = promise, Accepted = accepted, Lineage = Lineage.FromRuns(runs, complete), Value = register };
    }

    private static void Put(Span<byte> span, ref int at, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], value);
        at += 8;
    }

    private static long Take(ReadOnlySpan<byte> data, ref int at)
    {
        var value = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
        at += 8;
        return value;
    }
}
