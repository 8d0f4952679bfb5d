using System.Globalization;
using Npgsql;

namespace CasPaxos.Orleans.Cli.Bench;

/// <summary>
/// The workloads of DESIGN.md: floor (a durable single-row PostgreSQL update per operation, same concurrency, same
/// database), W1 (1 client, sequential increments of one key), W2 (64 clients, random keys of 1000, warm-up then a
/// measured window), W3 (16 clients, one key), failover (W2 while one silo is SIGKILLed).
/// </summary>
internal sealed class Workloads(BenchSettings settings, IGrainFactory grains, string postgres, Func<CancellationToken, Task<SiloMetrics>> scrape)
{
    private readonly string _run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
    private int _runs;

    /// <summary>Keys of their own for every workload run, so that a workload can be repeated on one cluster.</summary>
    private string Prefix(string workload) => $"bench/{_run}/{workload}-{++_runs}/";

    public async Task<IReadOnlyList<BenchResult>> FloorAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres) { MaxPoolSize = Math.Max(settings.W2Clients, settings.W3Clients) + 4, Pooling = true };
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var setup = source.CreateCommand(
            "CREATE TABLE IF NOT EXISTS caspaxos_bench_floor (id integer PRIMARY KEY, n bigint NOT NULL); " +
            $"INSERT INTO caspaxos_bench_floor SELECT i, 0 FROM generate_series(0, {settings.W2Keys - 1}) i ON CONFLICT (id) DO NOTHING"))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        async Task Update(int row, CancellationToken deadline)
        {
            await using var command = source.CreateCommand("UPDATE caspaxos_bench_floor SET n = n + 1 WHERE id = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = row });
            await command.ExecuteNonQueryAsync(deadline);
        }

        var w1 = await SequentialAsync("floor W1", settings.W1Operations, (_, deadline) => Update(0, deadline), cancellationToken);
        var w2 = await TimedAsync("floor W2", settings.W2Clients, settings.W2Warmup, settings.W2Duration, (random, deadline) => Update(random.Next(settings.W2Keys), deadline), cancellationToken);
        var w3 = await TimedAsync("floor W3", settings.W3Clients, TimeSpan.Zero, settings.W3Duration, (_, deadline) => Update(1, deadline), cancellationToken);
        return
        [
            Row("W1", "floor", 1, w1.Measurement, w1.Stats),
            Row("W2", "floor", settings.W2Clients, w2.Measurement, w2.Stats),
            Row("W3", "floor", settings.W3Clients, w3.Measurement, w3.Stats),
        ];
    }

    /// <summary>
    /// Load the silos before measuring, then let them idle: a fresh .NET process runs at about half speed until the JIT
    /// has recompiled its hot paths, and that recompilation runs in the background for seconds after the load that made
    /// them hot (a silo spent 60-70% of a core in the JIT for 10 s after a 15 s warm-up). Nothing of it is reported.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        if (settings.ClusterWarmup <= TimeSpan.Zero)
        {
            return;
        }

        var prefix = Prefix("warmup");
        await TimedAsync("warm-up", settings.W3Clients, TimeSpan.Zero, settings.ClusterWarmup,
            (random, deadline) => grains.GetGrain<IRegisterGrain>(prefix + random.Next(settings.W2Keys)).IncrementAsync(cancellationToken: deadline),
            cancellationToken);
        await Task.Delay(settings.ClusterWarmup / 2, cancellationToken);
    }

    public async Task<BenchResult> W1Async(CancellationToken cancellationToken)
    {
        var key = Prefix("w1") + "counter";
        var register = grains.GetGrain<IRegisterGrain>(key);
        var before = await scrape(cancellationToken);
        var (measurement, stats) = await SequentialAsync("W1", settings.W1Operations, (_, deadline) => register.IncrementAsync(cancellationToken: deadline), cancellationToken);
        var metrics = await scrape(cancellationToken) - before;
        var final = await ReadCounterAsync(key, cancellationToken);
        return Row("W1", "caspaxos", 1, measurement, stats, metrics, Check(final, measurement));
    }

    public async Task<BenchResult> W2Async(CancellationToken cancellationToken)
    {
        var prefix = Prefix("w2");
        var metrics = Metered();
        var (measurement, stats) = await TimedAsync("W2", settings.W2Clients, settings.W2Warmup, settings.W2Duration,
            (random, deadline) => grains.GetGrain<IRegisterGrain>(prefix + random.Next(settings.W2Keys)).IncrementAsync(cancellationToken: deadline),
            cancellationToken, metrics.StartAsync);
        var total = await SumAsync(prefix, cancellationToken);
        return Row("W2", "caspaxos", settings.W2Clients, measurement, stats, await metrics.StopAsync(cancellationToken), Check(total, measurement));
    }

    public async Task<BenchResult> W3Async(CancellationToken cancellationToken)
    {
        var key = Prefix("w3") + "counter";
        var register = grains.GetGrain<IRegisterGrain>(key);
        var metrics = Metered();
        await metrics.StartAsync(cancellationToken);
        var (measurement, stats) = await TimedAsync("W3", settings.W3Clients, TimeSpan.Zero, settings.W3Duration,
            (_, deadline) => register.IncrementAsync(cancellationToken: deadline), cancellationToken);
        var final = await ReadCounterAsync(key, cancellationToken);
        return Row("W3", "caspaxos", settings.W3Clients, measurement, stats, await metrics.StopAsync(cancellationToken), Check(final, measurement));
    }

    /// <summary>W2 with one silo SIGKILLed <see cref="BenchSettings.KillAfter"/> into the measured window.</summary>
    public async Task<BenchResult> FailoverAsync(Func<Task> kill, CancellationToken cancellationToken)
    {
        var prefix = Prefix("failover");
        var measurement = new Measurement();
        var warmupEnd = settings.W2Warmup.TotalSeconds;
        var end = warmupEnd + settings.W2Duration.TotalSeconds;
        var killAt = warmupEnd + settings.KillAfter.TotalSeconds;
        var inFlight = 0;
        var inFlightAtKill = 0;
        var killer = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(killAt), cancellationToken);
            inFlightAtKill = Volatile.Read(ref inFlight);
            await kill();
        }, cancellationToken);
        await ClosedLoop.RunAsync("failover", settings.W2Clients, settings.OperationDeadline, measurement, async (_, random, deadline) =>
        {
            Interlocked.Increment(ref inFlight);
            try
            {
                await grains.GetGrain<IRegisterGrain>(prefix + random.Next(settings.W2Keys)).IncrementAsync(cancellationToken: deadline);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }, () => measurement.Elapsed >= end, () => Summary(measurement), cancellationToken);
        await killer;

        var window = measurement.Between(warmupEnd, end);
        var stats = LatencyStats.Of(window, end - warmupEnd);
        var before = measurement.Between(warmupEnd, killAt).Count(s => s.Outcome == Measurement.Outcome.Acknowledged) / (killAt - warmupEnd);
        double? recovery = null;
        for (var t = killAt; t + 1 <= end; t += 0.1)
        {
            if (measurement.Between(t, t + 1).Count(s => s.Outcome == Measurement.Outcome.Acknowledged) >= 0.9 * before)
            {
                recovery = t - killAt;
                break;
            }
        }

        var total = await SumAsync(prefix, cancellationToken);
        const double step = 0.5;
        return Row("failover", "caspaxos", settings.W2Clients, measurement, stats, null, Check(total, measurement)) with
        {
            RecoverySeconds = recovery,
            InFlightAtKill = inFlightAtKill,
            Timeline = [.. Enumerable.Range(0, (int)((end - warmupEnd) / step)).Select(i => warmupEnd + (i * step)).Select(t =>
            {
                var slice = measurement.Between(t, t + step);
                var acknowledged = slice.Count(s => s.Outcome == Measurement.Outcome.Acknowledged);
                return new TimelinePoint(Math.Round(t - killAt, 1), acknowledged / step, slice.Count - acknowledged);
            })],
        };
    }

    private async Task<(Measurement Measurement, LatencyStats Stats)> SequentialAsync(string label, int operations, Func<Random, CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        var measurement = new Measurement();
        var issued = 0;
        await ClosedLoop.RunAsync(label, 1, settings.OperationDeadline, measurement, (_, random, deadline) => operation(random, deadline), () => Interlocked.Increment(ref issued) > operations, () => Summary(measurement), cancellationToken);
        return (measurement, LatencyStats.Of(measurement.Between(0, double.MaxValue), measurement.Elapsed));
    }

    private async Task<(Measurement Measurement, LatencyStats Stats)> TimedAsync(string label, int clients, TimeSpan warmup, TimeSpan duration,
        Func<Random, CancellationToken, Task> operation, CancellationToken cancellationToken, Func<CancellationToken, Task>? atWindowStart = null)
    {
        var measurement = new Measurement();
        var start = warmup.TotalSeconds;
        var end = start + duration.TotalSeconds;
        var marker = atWindowStart is null ? Task.CompletedTask : Task.Run(async () =>
        {
            await Task.Delay(warmup, cancellationToken);
            await atWindowStart(cancellationToken);
        }, cancellationToken);
        await ClosedLoop.RunAsync(label, clients, settings.OperationDeadline, measurement, (_, random, deadline) => operation(random, deadline), () => measurement.Elapsed >= end, () => Summary(measurement), cancellationToken);
        await marker;
        return (measurement, LatencyStats.Of(measurement.Between(start, end), end - start));
    }

    private static string Summary(Measurement measurement)
    {
        var recent = measurement.Between(Math.Max(0, measurement.Elapsed - 1), measurement.Elapsed);
        var stats = LatencyStats.Of(recent, Math.Min(1, measurement.Elapsed));
        return $"{stats.OpsPerSecond,8:0} ops/s  p50 {stats.P50,6:0.00} ms  p99 {stats.P99,7:0.00} ms  " +
            $"acked {measurement.Acknowledged}, failed {measurement.Failed}, unknown {measurement.Unknown}";
    }

    private async Task<long> SumAsync(string prefix, CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, settings.W2Keys).Select(key => ReadCounterAsync(prefix + key, cancellationToken)));
        return counts.Sum();
    }

    /// <summary>A read changes nothing, so it may be retried whatever went wrong (a dead gateway, say).</summary>
    private async Task<long> ReadCounterAsync(string key, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await grains.GetGrain<IRegisterGrain>(key).ReadAsync(cancellationToken)).CounterValue;
            }
            catch (Exception error) when (attempt < 10 && error is not OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    /// <summary>A counter must hold every acknowledged increment, and at most the uncertain ones besides.</summary>
    private static string Check(long final, Measurement measurement)
        => final >= measurement.Acknowledged && final <= measurement.Acknowledged + measurement.Unknown
            ? $"{final}/{measurement.Acknowledged} ok"
            : $"{final}/{measurement.Acknowledged} WRONG";

    private static BenchResult Row(string workload, string system, int clients, Measurement measurement, LatencyStats stats,
        SiloMetrics? metrics = null, string check = "-") => new()
        {
            Workload = workload,
            System = system,
            Clients = clients,
            Stats = stats,
            Acknowledged = measurement.Acknowledged,
            Failed = measurement.Failed,
            Unknown = measurement.Unknown,
            Metrics = metrics,
            FinalCheck = check,
            Errors = new SortedDictionary<string, int>(measurement.Errors.ToDictionary(), StringComparer.Ordinal),
        };

    private MeteredWindow Metered() => new(scrape);

    /// <summary>The silos' protocol counters between the start of a measured window and its end.</summary>
    private sealed class MeteredWindow(Func<CancellationToken, Task<SiloMetrics>> scrape)
    {
        private SiloMetrics _start = SiloMetrics.Zero;

        public async Task StartAsync(CancellationToken cancellationToken) => _start = await scrape(cancellationToken);

        public async Task<SiloMetrics> StopAsync(CancellationToken cancellationToken) => await scrape(cancellationToken) - _start;
    }
}

internal sealed record BenchSettings
{
    public int W1Operations { get; init; } = 2000;

    public int W2Clients { get; init; } = 64;

    public int W2Keys { get; init; } = 1000;

    public TimeSpan W2Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan W2Duration { get; init; } = TimeSpan.FromSeconds(20);

    public int W3Clients { get; init; } = 16;

    public TimeSpan W3Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>When the failover workload kills a silo: a quarter into the measured window, at most 5 s.</summary>
    public TimeSpan KillAfter => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, W2Duration.Ticks / 4));

    /// <summary>Load before the first workload, then half as long idle (not measured), so that the silos run JIT-optimized code.</summary>
    public TimeSpan ClusterWarmup { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one operation may take before the client gives up on it (its outcome is then unknown).</summary>
    public TimeSpan OperationDeadline { get; init; } = TimeSpan.FromSeconds(1.5);
}
