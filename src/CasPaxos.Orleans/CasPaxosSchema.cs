using Npgsql;

namespace CasPaxos.Orleans;

/// <summary>The PostgreSQL schema in db/caspaxos.sql, shipped inside this assembly so that silos can apply it themselves.</summary>
public static class CasPaxosSchema
{
    private static readonly Lazy<string> EmbeddedScript = new(() =>
    {
        using var stream = typeof(CasPaxosSchema).Assembly.GetManifestResourceStream("CasPaxos.Orleans.caspaxos.sql")
            ?? throw new InvalidOperationException("db/caspaxos.sql is missing from the CasPaxos.Orleans assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The script's text. It is idempotent and takes an advisory lock, so concurrent appliers are safe.</summary>
    public static string Script => EmbeddedScript.Value;

    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Script, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
