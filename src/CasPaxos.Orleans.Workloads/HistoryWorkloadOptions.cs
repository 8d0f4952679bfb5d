namespace CasPaxos.Orleans.Workloads;

public sealed record HistoryWorkloadOptions
{
    /// <summary>Concurrent clients, each running one operation at a time. Default 8.</summary>
    public int Clients { get; init; } = 8;

    /// <summary>Registers the clients share: few keys mean much contention. Default 3.</summary>
    public int Keys { get; init; } = 3;

    /// <summary>Prefix of the keys; give each run its own to start from empty registers.</summary>
    public string KeyPrefix { get; init; } = "history/";

    /// <summary>Stop issuing operations after this many in all (null: only the run's cancellation stops it).</summary>
    public int? MaxOperations { get; init; }

    /// <summary>How long operations still running when the run ends may take before they count as unknown. Default 10 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause of a client after an operation failed below CasPaxos (a dead gateway, say). Default 50 ms.</summary>
    public TimeSpan PauseAfterError { get; init; } = TimeSpan.FromMilliseconds(50);

    public int Seed { get; init; } = Environment.TickCount;
}
