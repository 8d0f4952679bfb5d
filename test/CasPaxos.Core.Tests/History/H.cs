using System.Text;
using CasPaxos.History;

namespace CasPaxos.Core.Tests.History;

/// <summary>Terse builders for hand-written histories.</summary>
internal static class H
{
    public static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    public static HistoryOperation Read(long call, long? ret, long version, string? value, string key = "k", int client = 0)
        => new(client, key, OperationKind.Read, new HistoryInput(), call, ret, ret is null ? OperationStatus.Unknown : OperationStatus.Ok,
            ret is null ? null : new HistoryOutput(version, value is null ? null : B(value), false));

    public static HistoryOperation Write(long call, long? ret, string value, long version, string key = "k", int client = 0)
        => new(client, key, OperationKind.Write, new HistoryInput(B(value)), call, ret, ret is null ? OperationStatus.Unknown : OperationStatus.Ok,
            ret is null ? null : new HistoryOutput(version, B(value), true));

    public static HistoryOperation Cas(long call, long? ret, long expected, string value, long version, string? seen, bool applied, string key = "k")
        => new(0, key, OperationKind.Cas, new HistoryInput(B(value), expected), call, ret, ret is null ? OperationStatus.Unknown : OperationStatus.Ok,
            ret is null ? null : new HistoryOutput(version, seen is null ? null : B(seen), applied));

    public static HistoryOperation Increment(long call, long? ret, long delta, long version, long counter, string key = "k")
        => new(0, key, OperationKind.Increment, new HistoryInput(Delta: delta), call, ret, ret is null ? OperationStatus.Unknown : OperationStatus.Ok,
            ret is null ? null : new HistoryOutput(version, B(counter.ToString(System.Globalization.CultureInfo.InvariantCulture)), true));

    public static HistoryOperation Delete(long call, long? ret, long version, bool applied, string key = "k")
        => new(0, key, OperationKind.Delete, new HistoryInput(), call, ret, ret is null ? OperationStatus.Unknown : OperationStatus.Ok,
            ret is null ? null : new HistoryOutput(version, null, applied));

    public static HistoryOperation Failed(HistoryOperation operation) => operation with { Status = OperationStatus.Fail, Output = null };
}
