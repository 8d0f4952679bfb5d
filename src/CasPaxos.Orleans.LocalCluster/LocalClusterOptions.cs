namespace CasPaxos.Orleans.LocalCluster;

public sealed record LocalClusterOptions
{
    /// <summary>The silo program: CasPaxos.Orleans.Silo.dll (run with dotnet) or its native launcher.</summary>
    public required string SiloProgram { get; init; }

    public int Silos { get; init; } = 3;

    public int ReplicaCount { get; init; } = 3;

    /// <summary>Silo-to-silo port of the first silo; silo i uses this + i. Default 11111.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Orleans client gateway port of the first silo. Default 30000.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>HTTP port of the first silo. Default 8080.</summary>
    public int HttpPort { get; init; } = 8080;

    public string ClusterId { get; init; } = "caspaxos";

    public string ServiceId { get; init; } = "caspaxos";

    /// <summary>An existing PostgreSQL server's connection string; null starts a private one.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>For a private server: keep its data here across runs (null: a temporary folder).</summary>
    public string? PostgresDataDirectory { get; init; }

    /// <summary>More settings for every silo, as environment variables (e.g. <c>CasPaxos__ChangeTimeout</c>).</summary>
    public IReadOnlyDictionary<string, string> SiloSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Command-line arguments for every silo.</summary>
    public IReadOnlyList<string> SiloArguments { get; init; } = [];

    /// <summary>Where the silos' output lines go (silo number, line); null discards them.</summary>
    public Action<int, string>? Output { get; init; }

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
