using System.Text;

namespace CasPaxos.Orleans;

/// <summary>
/// A register as the HTTP API and the command line show it: the value as text when it is valid UTF-8, else as
/// base64 (<see cref="Encoding"/> says which; null when there is no value).
/// </summary>
public sealed record RegisterDocument(string Key, long Version, bool Exists, string? Value, string? Encoding, bool Applied)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public static RegisterDocument From(string key, ChangeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var value = result.State.Value;
        if (value is null)
        {
            return new RegisterDocument(key, result.State.Version, false, null, null, result.Applied);
        }

        try
        {
            return new RegisterDocument(key, result.State.Version, true, StrictUtf8.GetString(value), "utf-8", result.Applied);
        }
        catch (DecoderFallbackException)
        {
            return new RegisterDocument(key, result.State.Version, true, Convert.ToBase64String(value), "base64", result.Applied);
        }
    }
}
