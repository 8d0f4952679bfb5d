using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CasPaxos.History;
using Xunit.Abstractions;

namespace CasPaxos.Core.Tests.Simulation;

/// <summary>
/// Deterministic simulation of the protocol under faults, every history checked for linearizability.
/// CASPAXOS_SIM_SEEDS and CASPAXOS_SIM_FIRST_SEED widen the default run for a soak; CASPAXOS_SIM_SEED replays one seed.
/// </summary>
public class SimulationTests(ITestOutputHelper output)
{
    public const int DefaultSeeds = 1000;

    /// <summary>States the checker may explore per key: an exhausted search fails the seed as inconclusive, not as a violation.</summary>
    public const long CheckBudget = 2_000_000;

    private static int Setting(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    internal static string ReplayCommand(int seed, InjectedBug bug = InjectedBug.None)
        => bug == InjectedBug.None
            ? $"CASPAXOS_SIM_SEED={seed} dotnet test test/CasPaxos.Core.Tests --filter \"FullyQualifiedName~SimulationTests.Replay\""
            : $"(negative control {bug}, seed {seed})";

    internal static (SimulationConfig Config, IReadOnlyList<HistoryOperation> History, SimulationStats Stats, CheckResult Check) Run(int seed, InjectedBug bug = InjectedBug.None, bool? thrifty = null)
    {
        var config = SimulationConfig.FromSeed(seed, bug, thrifty);
        var simulation = new Simulation(config);
        var history = simulation.Run();
        return (config, history, simulation.Stats, LinearizabilityChecker.Check(history, CheckBudget));
    }

    [Fact]
    public void Random_faults_never_break_linearizability()
    {
        var first = Setting("CASPAXOS_SIM_FIRST_SEED", 1);
        var count = Setting("CASPAXOS_SIM_SEEDS", DefaultSeeds);
        var failures = new ConcurrentBag<string>();
        long operations = 0, committed = 0, unknown = 0, failed = 0, messages = 0, crashes = 0, spareRounds = 0;
        var longest = 0;
        var started = Stopwatch.GetTimestamp();
        Parallel.For(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var (config, history, stats, check) = Run(seed);
            Interlocked.Add(ref operations, history.Count);
            Interlocked.Add(ref committed, stats.Committed);
            Interlocked.Add(ref unknown, stats.Unknown);
            Interlocked.Add(ref failed, stats.Failed);
            Interlocked.Add(ref messages, stats.Messages);
            Interlocked.Add(ref crashes, stats.AcceptorCrashes + stats.ProposerCrashes);
            Interlocked.Add(ref spareRounds, stats.SpareRounds);
            InterlockedMax(ref longest, history.Count);
            if (!check.Linearizable)
            {
                var file = Path.Combine(Path.GetTempPath(), $"caspaxos-sim-{seed}.jsonl");
                HistoryFormat.WriteFileAsync(file, history).GetAwaiter().GetResult();
                failures.Add($"{config}{Environment.NewLine}{stats}{Environment.NewLine}{check}{Environment.NewLine}" +
                    $"history: {file}{Environment.NewLine}replay: {ReplayCommand(seed)}");
            }
        });

        output.WriteLine($"{count} seeds from {first}: {operations} operations ({committed} committed, {failed} failed, {unknown} unknown), " +
            $"{messages} messages, {crashes} crashes, {spareRounds} spare accept rounds; longest history {longest}; {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine + Environment.NewLine, failures.OrderBy(f => f, StringComparer.Ordinal)));
        Assert.True(committed > operations / 2, $"only {committed} of {operations} operations committed: the faults leave too little to check");
        Assert.True(count < 100 || spareRounds > 0, "no thrifty accept ever went on to its reserve acceptors: the simulation does not exercise that path");
    }

    [Fact]
    public void Replay()
    {
        var seed = Setting("CASPAXOS_SIM_SEED", 42);
        var (config, history, stats, check) = Run(seed);
        var (_, again, _, _) = Run(seed);
        output.WriteLine($"{config}{Environment.NewLine}{stats}{Environment.NewLine}{check}");

        Assert.Equal(history.Select(HistoryFormat.ToLine), again.Select(HistoryFormat.ToLine)); // a seed replays exactly
        Assert.True(check.Linearizable, check.ToString());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
