namespace CasPaxos.Orleans;

/// <summary>How <c>AddCasPaxosPostgresStorage</c> stores acceptor state in PostgreSQL.</summary>
public sealed class PostgresGrainStorageOptions
{
    /// <summary>
    /// Which grain storage provider writes the rows. <see cref="PostgresStorageProvider.Native"/> (the default) batches
    /// concurrent writes of a silo into one statement and one commit; <see cref="PostgresStorageProvider.AdoNet"/> is
    /// Orleans' ADO.NET provider, one statement per write. Both use the same table and can replace each other.
    /// </summary>
    public PostgresStorageProvider Provider { get; set; } = PostgresStorageProvider.Native;

    /// <summary>Most writes one statement carries (native provider). Default 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// Statements in flight at once per storage provider (native provider): a write goes out at once while fewer are
    /// running; beyond that, writes queue and share the next statement. Default 2.
    /// </summary>
    public int ConcurrentBatches { get; set; } = 2;

    /// <summary>Connections per silo when the connection string does not say "Maximum Pool Size". Default 20.</summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>Statements Npgsql prepares per connection when the connection string does not say "Max Auto Prepare". Default 20.</summary>
    public int MaxAutoPrepare { get; set; } = 20;
}

public enum PostgresStorageProvider
{
    Native,
    AdoNet,
}
