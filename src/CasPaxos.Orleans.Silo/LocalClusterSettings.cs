namespace CasPaxos.Orleans.Silo;

/// <summary>The "LocalCluster" section: the development cluster this program starts.</summary>
internal sealed class LocalClusterSettings
{
    public string ClusterId { get; set; } = "caspaxos-local";

    public string ServiceId { get; set; } = "caspaxos";

    /// <summary>How many silos to start in this process. Default 3.</summary>
    public int Silos { get; set; } = 3;

    /// <summary>Silo-to-silo port of the first silo; the others take the next ports. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port of the first silo; the others take the next ports. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Keep the private PostgreSQL's data here across runs; empty means a temporary folder removed on exit.</summary>
    public string? PostgresDataDirectory { get; set; }
}
