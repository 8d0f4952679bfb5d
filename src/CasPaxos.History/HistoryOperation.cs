namespace CasPaxos.History;

public enum OperationKind
{
    Read,
    Write,
    Cas,
    Increment,
    Delete,
}

public enum OperationStatus
{
    /// <summary>Completed; <see cref="HistoryOperation.Output"/> is what the caller saw.</summary>
    Ok,

    /// <summary>Definitely not applied: the operation had no effect.</summary>
    Fail,

    /// <summary>Uncertain: it may take effect at any time after its call, or never.</summary>
    Unknown,
}

/// <summary>
/// The arguments of an operation: <see cref="Value"/> for write and cas, <see cref="ExpectedVersion"/> for cas,
/// <see cref="Delta"/> for increment. Values are bytes (a UTF-8 string or base64 in the file).
/// </summary>
public sealed record HistoryInput(byte[]? Value = null, long? ExpectedVersion = null, long? Delta = null);

/// <summary>The register after the operation as the caller saw it (for a cas miss: the current register, not applied).</summary>
public sealed record HistoryOutput(long Version, byte[]? Value, bool Applied);

/// <summary>
/// One operation of a history. <see cref="Call"/> and <see cref="Return"/> are nanoseconds of one monotonic clock;
/// <see cref="Return"/> is null for an operation whose outcome is unknown.
/// </summary>
public sealed record HistoryOperation(
    int Client,
    string Key,
    OperationKind Op,
    HistoryInput Input,
    long Call,
    long? Return,
    OperationStatus Status,
    HistoryOutput? Output)
{
    public override string ToString()
    {
        var input = Op switch
        {
            OperationKind.Write => $"({Show(Input.Value)})",
            OperationKind.Cas => $"(@{Input.ExpectedVersion}, {Show(Input.Value)})",
            OperationKind.Increment => $"({Input.Delta})",
            _ => "()",
        };
        var output = Output is null ? "" : $" -> v{Output.Version} {Show(Output.Value)}{(Output.Applied ? "" : " not applied")}";
        return $"client {Client} {Op.ToString().ToLowerInvariant()}{input} [{Call}..{(Return?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?")}] {Status.ToString().ToLowerInvariant()}{output}";
    }

    internal static string Show(byte[]? value)
    {
        if (value is null)
        {
            return "null";
        }

        var text = System.Text.Encoding.UTF8.GetString(value);
        return text.Length <= 24 ? $"\"{text}\"" : $"\"{text[..21]}...\"";
    }
}
