using System.Text;

namespace CasPaxos.Orleans;

/// <summary>Size limits on register keys and values, enforced on clients and, authoritatively, on silos.</summary>
public sealed record RegisterLimits
{
    public const int DefaultMaxKeyBytes = 256;
    public const int DefaultMaxValueBytes = 64 * 1024;

    public static RegisterLimits Default { get; } = new();

    /// <summary>Longest key, in UTF-8 bytes. Default 256.</summary>
    public int MaxKeyBytes { get; init; } = DefaultMaxKeyBytes;

    /// <summary>Largest value, in bytes. Default 64 KiB.</summary>
    public int MaxValueBytes { get; init; } = DefaultMaxValueBytes;

    /// <exception cref="InvalidRegisterKeyException">The key is empty, too long, or holds control characters or broken UTF-16.</exception>
    public void ValidateKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidRegisterKeyException("A register key must not be empty.");
        }

        if (key.Length > MaxKeyBytes || Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            throw new InvalidRegisterKeyException($"The register key is {Encoding.UTF8.GetByteCount(key)} bytes of UTF-8; the limit is {MaxKeyBytes}.");
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsControl(c))
            {
                throw new InvalidRegisterKeyException($"The register key has a control character (U+{(int)c:X4}) at position {i}.");
            }

            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                throw new InvalidRegisterKeyException($"The register key has an unpaired UTF-16 surrogate at position {i}.");
            }
        }
    }

    /// <exception cref="ValueTooLargeException">The value is longer than <see cref="MaxValueBytes"/>.</exception>
    public void ValidateValue(byte[]? value)
    {
        if (value is not null && value.Length > MaxValueBytes)
        {
            throw new ValueTooLargeException(value.Length, MaxValueBytes);
        }
    }
}
