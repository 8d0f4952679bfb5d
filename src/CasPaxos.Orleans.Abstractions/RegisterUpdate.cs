namespace CasPaxos.Orleans;

/// <summary>
/// What a change decides: leave the register as it is, or give it a new value (or no value: a deletion).
/// The version is the framework's business, so a user-defined change cannot break the one-per-change rule.
/// </summary>
public readonly record struct RegisterUpdate
{
    private RegisterUpdate(bool writes, byte[]? value)
    {
        Writes = writes;
        Value = value;
    }

    /// <summary>The change does not apply (a read, a compare-and-set miss): the register and its version stay.</summary>
    public static RegisterUpdate Unchanged { get; }

    /// <summary>The register's value becomes absent (a tombstone); the version grows by one.</summary>
    public static RegisterUpdate Delete { get; } = new(true, null);

    public bool Writes { get; }

    public byte[]? Value { get; }

    /// <summary>The register takes <paramref name="value"/>; the version grows by one.</summary>
    public static RegisterUpdate Set(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new RegisterUpdate(true, value);
    }
}
