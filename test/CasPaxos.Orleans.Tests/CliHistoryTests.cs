using CasPaxos.History;
using Xunit.Abstractions;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// <c>caspaxos history record</c> and <c>check</c> against the silo host running as its own process with three
/// silos, as they will be pointed at real multi-process clusters.
/// </summary>
[Collection(PostgresClusters.Name)]
public class CliHistoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task History_recorded_from_a_running_silo_host_checks_linearizable_and_a_corrupted_copy_does_not()
    {
        var silo = Processes.FreePorts(3);
        var gateway = Processes.FreePorts(3);
        var host = new SiloHosts.HostProcess(new Dictionary<string, string>
            {
                ["LocalCluster__SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LocalCluster__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LocalCluster__HttpPort"] = Processes.FreePorts(3).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        host.Start();
        var folder = Directory.CreateTempSubdirectory("caspaxos-cli-");
        try
        {
            await Eventually.Get(() => Task.FromResult(host.Log.Contains("Press Ctrl-C to stop.", StringComparison.Ordinal) ? "up" : null),
                TimeSpan.FromSeconds(90), "the silo host to serve");

            var file = Path.Combine(folder.FullName, "history.jsonl");
            var cli = Processes.Program("CasPaxos.Orleans.Cli", "caspaxos");
            string[] gateways = [.. Enumerable.Range(gateway, 3).SelectMany(port => new[] { "-g", $"127.0.0.1:{port}" })];
            var (recordExit, recordOutput) = await Processes.RunAsync(
                Processes.Dotnet(cli, ["history", "record", "--duration", "5s", "--out", file, .. gateways]), TimeSpan.FromSeconds(120));
            output.WriteLine(recordOutput);
            Assert.Equal(0, recordExit);
            Assert.Contains("linearizable:", recordOutput, StringComparison.Ordinal);

            var history = await HistoryFormat.ReadFileAsync(file);
            Assert.True(history.Count(op => op.Status == OperationStatus.Ok) > 100, $"only {history.Count} operations recorded");
            var (checkExit, _) = await Processes.RunAsync(Processes.Dotnet(cli, ["history", "check", file]), TimeSpan.FromSeconds(60));
            Assert.Equal(0, checkExit);

            // Negative control: the same real history with one read made stale must fail the check.
            var corrupted = Path.Combine(folder.FullName, "corrupted.jsonl");
            await HistoryFormat.WriteFileAsync(corrupted, MakeOneReadStale(history));
            var (corruptedExit, corruptedOutput) = await Processes.RunAsync(Processes.Dotnet(cli, ["history", "check", corrupted]), TimeSpan.FromSeconds(60));
            output.WriteLine(corruptedOutput);
            Assert.Equal(1, corruptedExit);
            Assert.Contains("NOT linearizable", corruptedOutput, StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
            output.WriteLine(host.Log);
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Makes the last completed read that follows a completed write report the never-written register.</summary>
    private static List<HistoryOperation> MakeOneReadStale(List<HistoryOperation> history)
    {
        var victim = history.Last(read => read.Op == OperationKind.Read && read.Status == OperationStatus.Ok && read.Output!.Version > 0 &&
            history.Any(write => write.Key == read.Key && write.Status == OperationStatus.Ok && write.Output!.Applied && write.Return < read.Call));
        return [.. history.Select(op => ReferenceEquals(op, victim) ? op with { Output = new HistoryOutput(0, null, false) } : op)];
    }
}
