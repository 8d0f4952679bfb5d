using System.Globalization;

namespace CasPaxos.Orleans;

/// <summary>
/// The key of an acceptor grain: "r{replica}/{register key}". The non-hex prefix keeps Orleans' ADO.NET layer from
/// reading the key as an integer key.
/// </summary>
internal static class AcceptorKey
{
    public static string Format(int replica, string registerKey) => string.Create(CultureInfo.InvariantCulture, $"r{replica}/{registerKey}");

    public static bool TryParse(string acceptorKey, out int replica, out string registerKey)
    {
        replica = -1;
        registerKey = "";
        var slash = acceptorKey.IndexOf('/', StringComparison.Ordinal);
        if (slash < 2 || acceptorKey[0] != 'r' ||
            !int.TryParse(acceptorKey.AsSpan(1, slash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out replica))
        {
            return false;
        }

        registerKey = acceptorKey[(slash + 1)..];
        return true;
    }

    /// <summary>FNV-1a over the key's UTF-8: stable across processes and versions, unlike string.GetHashCode.</summary>
    public static uint StableHash(string registerKey)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(registerKey))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }
}
