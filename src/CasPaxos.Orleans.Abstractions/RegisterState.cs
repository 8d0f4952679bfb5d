using System.Globalization;
using System.Text;

namespace CasPaxos.Orleans;

/// <summary>
/// The state of a register: a value (absent for a register never written or deleted) and a version that starts
/// at 0 and grows by exactly one with every applied change.
/// </summary>
[GenerateSerializer, Immutable, Alias("caspaxos.RegisterState")]
public sealed class RegisterState : IEquatable<RegisterState>
{
    public RegisterState(long version, byte[]? value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        Version = version;
        Value = value;
    }

    /// <summary>A register that was never written: version 0, no value.</summary>
    public static RegisterState Empty { get; } = new(0, null);

    [Id(0)]
    public long Version { get; }

    /// <summary>The value's bytes, or null when the register holds no value. Do not modify the array.</summary>
    [Id(1)]
    public byte[]? Value { get; }

    public bool Exists => Value is not null;

    /// <summary>The value decoded as UTF-8, or null when absent.</summary>
    public string? ValueAsString => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <summary>The value read as a 64-bit decimal counter; an absent value counts as 0.</summary>
    /// <exception cref="FormatException">The value is not a decimal 64-bit integer.</exception>
    public long CounterValue
    {
        get
        {
            if (Value is null)
            {
                return 0;
            }

            if (!long.TryParse(Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var counter))
            {
                throw new FormatException($"The register's value ({Value.Length} bytes) is not a decimal 64-bit integer, so it cannot be used as a counter.");
            }

            return counter;
        }
    }

    /// <summary>The state after one applied change: the version grows by one.</summary>
    public RegisterState WithValue(byte[]? value) => new(checked(Version + 1), value);

    public static byte[] EncodeCounter(long counter) => Encoding.ASCII.GetBytes(counter.ToString(CultureInfo.InvariantCulture));

    public bool Equals(RegisterState? other) =>
        other is not null && Version == other.Version &&
        (Value is null ? other.Value is null : other.Value is not null && Value.AsSpan().SequenceEqual(other.Value));

    public override bool Equals(object? obj) => Equals(obj as RegisterState);

    public override int GetHashCode() => HashCode.Combine(Version, Value?.Length ?? -1);

    public override string ToString() => Value is null ? $"v{Version} (no value)" : $"v{Version} ({Value.Length} bytes)";
}
