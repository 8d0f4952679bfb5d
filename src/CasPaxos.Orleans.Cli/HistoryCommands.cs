using System.CommandLine;
using System.Diagnostics;
using CasPaxos.History;
using CasPaxos.Orleans.Workloads;
using Microsoft.Extensions.DependencyInjection;

namespace CasPaxos.Orleans.Cli;

/// <summary><c>caspaxos history record | check | soak</c>.</summary>
internal static class HistoryCommands
{
    public static Command Create(CommonOptions common)
    {
        var history = new Command("history", "Record histories from a running cluster and check them for linearizability.");
        history.Subcommands.Add(Record(common));
        history.Subcommands.Add(Check());
        history.Subcommands.Add(Soak(common));
        return history;
    }

    private static Option<int> Clients() => new("--clients") { Description = "Concurrent clients, one operation at a time each.", DefaultValueFactory = _ => 8 };

    private static Option<int> Keys() => new("--keys") { Description = "Registers the clients share (few keys, much contention).", DefaultValueFactory = _ => 3 };

    private static Command Record(CommonOptions common)
    {
        var duration = CommonOptions.Duration("--duration", "How long to record.", TimeSpan.FromSeconds(30));
        var clients = Clients();
        var keys = Keys();
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the history (JSON lines).", DefaultValueFactory = _ => new FileInfo("history.jsonl") };
        var noCheck = new Option<bool>("--no-check") { Description = "Only record; check later with `caspaxos history check`." };
        var command = new Command("record", "Run random reads, writes, compare-and-sets, increments and deletes from concurrent clients, record the history, and check it.")
        {
            duration, clients, keys, output, noCheck,
        };
        common.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var host = await common.Connection(result).ConnectAsync(cancellationToken);
            var client = host.Services.GetRequiredService<IClusterClient>();
            var recorded = await RecordWindowAsync(client, result.GetValue(clients), result.GetValue(keys), result.GetValue(duration), cancellationToken);
            var file = result.GetValue(output)!;
            await HistoryFormat.WriteFileAsync(file.FullName, recorded, cancellationToken);
            Console.WriteLine($"{HistoryCounts.Of(recorded)} written to {file.FullName}");
            return result.GetValue(noCheck) ? ExitCodes.Ok : Report(LinearizabilityChecker.Check(recorded));
        });
        return command;
    }

    private static Command Check()
    {
        var file = new Argument<FileInfo>("file") { Description = "A history in the JSON-lines format of DESIGN.md." };
        var command = new Command("check", "Check a recorded history for linearizability.") { file };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"error: {path.FullName} does not exist.");
                return ExitCodes.Usage;
            }

            List<HistoryOperation> operations;
            try
            {
                operations = await HistoryFormat.ReadFileAsync(path.FullName, cancellationToken);
            }
            catch (FormatException error)
            {
                await Console.Error.WriteLineAsync($"error: {path.FullName}: {error.Message}");
                return ExitCodes.Usage;
            }

            return Report(LinearizabilityChecker.Check(operations));
        });
        return command;
    }

    private static Command Soak(CommonOptions common)
    {
        var duration = CommonOptions.Duration("--duration", "How long to keep going.", TimeSpan.FromMinutes(10));
        var window = CommonOptions.Duration("--window", "Length of each recorded and checked history.", TimeSpan.FromSeconds(60));
        var clients = Clients();
        var keys = Keys();
        var directory = new Option<DirectoryInfo>("--keep") { Description = "Folder to write a history that fails its check to.", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var command = new Command("soak", "Record and check one history after another until the duration is over or a check fails.")
        {
            duration, window, clients, keys, directory,
        };
        common.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var host = await common.Connection(result).ConnectAsync(cancellationToken);
            var client = host.Services.GetRequiredService<IClusterClient>();
            var end = Stopwatch.GetTimestamp() + (long)(result.GetValue(duration).TotalSeconds * Stopwatch.Frequency);
            var windows = 0;
            long operations = 0;
            while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
            {
                var length = TimeSpan.FromSeconds(Math.Min(result.GetValue(window).TotalSeconds, (end - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
                var recorded = await RecordWindowAsync(client, result.GetValue(clients), result.GetValue(keys), length, cancellationToken);
                var check = LinearizabilityChecker.Check(recorded);
                windows++;
                operations += recorded.Count;
                Console.WriteLine($"window {windows}: {HistoryCounts.Of(recorded)}; {check}");
                if (!check.Linearizable)
                {
                    var file = Path.Combine(result.GetValue(directory)!.FullName, $"caspaxos-soak-{DateTime.UtcNow:yyyyMMddHHmmss}.jsonl");
                    await HistoryFormat.WriteFileAsync(file, recorded, cancellationToken);
                    Console.WriteLine($"history kept in {file}");
                    return check.Inconclusive ? ExitCodes.Inconclusive : ExitCodes.NotLinearizable;
                }
            }

            Console.WriteLine($"soak passed: {windows} histories, {operations} operations, all linearizable");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<IReadOnlyList<HistoryOperation>> RecordWindowAsync(IClusterClient client, int clients, int keys, TimeSpan duration, CancellationToken cancellationToken)
    {
        var workload = new HistoryWorkload([client], new HistoryWorkloadOptions
        {
            Clients = clients,
            Keys = keys,
            KeyPrefix = $"history/{DateTime.UtcNow:yyyyMMddHHmmssfff}/",
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var started = Stopwatch.GetTimestamp();
        var run = workload.RunAsync(stop.Token);
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            Progress.Show($"[{Stopwatch.GetElapsedTime(started).TotalSeconds,5:0}s / {duration.TotalSeconds:0}s] {workload.Counts}");
        }

        Progress.Done();
        return await run;
    }

    private static int Report(CheckResult check)
    {
        Console.WriteLine(check);
        return check.Linearizable ? ExitCodes.Ok : check.Inconclusive ? ExitCodes.Inconclusive : ExitCodes.NotLinearizable;
    }
}
