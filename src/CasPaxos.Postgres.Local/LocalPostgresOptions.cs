namespace CasPaxos.Postgres.Local;

public sealed record LocalPostgresOptions
{
    /// <summary>
    /// Where the cluster's files live. Null (the default) means a new temporary folder that is removed when the
    /// server is disposed; a folder of your own keeps the data across runs.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 (the default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The database created for the caller. Default "caspaxos".</summary>
    public string Database { get; init; } = "caspaxos";

    /// <summary>PostgreSQL's max_connections. Default 300: three silos with their own pools fit under it.</summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>
    /// Folder with initdb, pg_ctl and postgres. Null looks at $CASPAXOS_PG_BIN, then pg_config, then
    /// /usr/lib/postgresql/*/bin (newest first), then PATH.
    /// </summary>
    public string? BinDirectory { get; init; }

    /// <summary>How long to wait for the server to start or stop. Default 60 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
