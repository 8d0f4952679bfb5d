using System.Collections.Concurrent;
using System.Diagnostics;

namespace CasPaxos.Orleans.Cli.Bench;

/// <summary>How each operation of a workload ended, and how long it took, on one clock.</summary>
internal sealed class Measurement
{
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private readonly long _origin = Stopwatch.GetTimestamp();
    private long _acknowledged;
    private long _failed;
    private long _unknown;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Failed => Interlocked.Read(ref _failed);

    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>How many operations ended with each kind of error ("deadline" for those the client gave up on).</summary>
    public IReadOnlyDictionary<string, int> Errors => _errors;

    public void Note(Exception error, bool pastDeadline)
    {
        ArgumentNullException.ThrowIfNull(error);
        _errors.AddOrUpdate(pastDeadline && error is OperationCanceledException ? "deadline" : error.GetType().Name, 1, (_, count) => count + 1);
    }

    /// <summary>Seconds since the measurement began.</summary>
    public double Elapsed => Stopwatch.GetElapsedTime(_origin).TotalSeconds;

    public static long Now => Stopwatch.GetTimestamp();

    public void Record(long started, Outcome outcome)
    {
        var ended = Stopwatch.GetTimestamp();
        _samples.Enqueue(new Sample(Seconds(started), (ended - started) * 1000.0 / Stopwatch.Frequency, outcome));
        _ = outcome switch
        {
            Outcome.Acknowledged => Interlocked.Increment(ref _acknowledged),
            Outcome.Failed => Interlocked.Increment(ref _failed),
            _ => Interlocked.Increment(ref _unknown),
        };
    }

    /// <summary>Samples that started in [from, to) seconds.</summary>
    public IReadOnlyList<Sample> Between(double from, double to) => [.. _samples.Where(s => s.Start >= from && s.Start < to)];

    private double Seconds(long timestamp) => (timestamp - _origin) / (double)Stopwatch.Frequency;

    public enum Outcome
    {
        Acknowledged,
        Failed,
        Unknown,
    }

    public readonly record struct Sample(double Start, double Milliseconds, Outcome Outcome);
}

/// <summary>
/// Throughput and latency of a set of samples over a window: percentiles of the acknowledged operations, the longest
/// wait of any operation (one given up at its deadline included) and of an acknowledged one.
/// </summary>
internal sealed record LatencyStats(long Operations, double Seconds, double OpsPerSecond, double P50, double P99, double Max, double MaxAcknowledged)
{
    public static LatencyStats Of(IReadOnlyList<Measurement.Sample> samples, double seconds)
    {
        var acknowledged = samples.Where(s => s.Outcome == Measurement.Outcome.Acknowledged).Select(s => s.Milliseconds).Order().ToArray();
        return new LatencyStats(
            acknowledged.Length,
            seconds,
            seconds > 0 ? acknowledged.Length / seconds : 0,
            Percentile(acknowledged, 0.50),
            Percentile(acknowledged, 0.99),
            samples.Count == 0 ? 0 : samples.Max(s => s.Milliseconds),
            acknowledged.Length == 0 ? 0 : acknowledged[^1]);
    }

    private static double Percentile(double[] sorted, double quantile)
        => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
