namespace CasPaxos.Orleans.Cli.Bench;

/// <summary>One row of the benchmark table.</summary>
internal sealed record BenchResult
{
    public required string Workload { get; init; }

    public required string System { get; init; }

    public required int Clients { get; init; }

    public required LatencyStats Stats { get; init; }

    public long Acknowledged { get; init; }

    public long Failed { get; init; }

    public long Unknown { get; init; }

    /// <summary>Protocol counters over the measured window (null for the floor).</summary>
    public SiloMetrics? Metrics { get; init; }

    public string FinalCheck { get; init; } = "-";

    /// <summary>Operations that failed or ended unknown, by error ("deadline": the client gave up at its deadline).</summary>
    public IReadOnlyDictionary<string, int> Errors { get; init; } = new Dictionary<string, int>();

    /// <summary>Failover: seconds from the kill until a one-second window reached 90% of the throughput before it.</summary>
    public double? RecoverySeconds { get; init; }

    /// <summary>Failover: operations in flight at the moment of the kill.</summary>
    public int? InFlightAtKill { get; init; }

    /// <summary>Failover: acknowledged operations per second, and operations that did not succeed, by half second of start time.</summary>
    public IReadOnlyList<TimelinePoint>? Timeline { get; init; }

    public double? ConflictsPerChange => Metrics is { Changes: > 0 } m ? m.Rejections / m.Changes : null;

    public double? RoundsPerChange => Metrics is { Changes: > 0 } m ? m.Rounds / m.Changes : null;

    public double? SpareAcceptsPerChange => Metrics is { Changes: > 0 } m ? m.SpareAccepts / m.Changes : null;

    public double? OneRoundTripRate => Metrics is { Changes: > 0 } m ? m.OneRoundTrip / m.Changes : null;
}

/// <summary>Half a second of a failover run: seconds from the kill, acknowledged operations per second, others.</summary>
internal sealed record TimelinePoint(double SecondsFromKill, double AcknowledgedPerSecond, int NotAcknowledged);
