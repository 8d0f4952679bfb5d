using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CasPaxos.Orleans.LocalCluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace CasPaxos.Orleans.Cli.Bench;

/// <summary><c>caspaxos bench</c>: the workloads of DESIGN.md against a real multi-process cluster, and the floor.</summary>
internal static class BenchCommand
{
    private static readonly string[] AllWorkloads = ["floor", "w1", "w2", "w3", "failover"];
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerOptions.Web) { WriteIndented = true };

    public static Command Create(CommonOptions common)
    {
        var workloads = new Option<string[]>("--workloads", "-w")
        {
            Description = $"Which workloads to run, in order: {string.Join(", ", AllWorkloads)}.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => AllWorkloads,
        };
        var existing = new Option<bool>("--existing")
        {
            Description = "Benchmark a running cluster reached through --postgres or --gateway instead of starting one " +
                "(the floor then needs --postgres; failover needs --kill-command).",
        };
        var killCommand = new Option<string?>("--kill-command") { Description = "With --existing: a shell command that kills one silo, for the failover workload." };
        var silos = new Option<int>("--silos") { Description = "Silo processes of the cluster bench starts.", DefaultValueFactory = _ => 3 };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port of the first silo bench starts (+1 per silo).", DefaultValueFactory = _ => 22111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Gateway port of the first silo bench starts (+1 per silo).", DefaultValueFactory = _ => 32000 };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP port (metrics) of the first silo bench starts (+1 per silo).", DefaultValueFactory = _ => 18080 };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the results as JSON.", DefaultValueFactory = _ => new FileInfo("bench.json") };
        var w1 = new Option<int>("--w1-operations") { Description = "Sequential increments in W1.", DefaultValueFactory = _ => 2000 };
        var w2Clients = new Option<int>("--w2-clients") { Description = "Concurrent clients in W2 and failover.", DefaultValueFactory = _ => 64 };
        var w2Keys = new Option<int>("--w2-keys") { Description = "Keys in W2 and failover.", DefaultValueFactory = _ => 1000 };
        var warmup = CommonOptions.Duration("--warmup", "Warm-up before the measured window of W2 and failover.", TimeSpan.FromSeconds(3));
        var w2Duration = CommonOptions.Duration("--w2-duration", "Measured window of W2 and failover.", TimeSpan.FromSeconds(20));
        var w3Clients = new Option<int>("--w3-clients") { Description = "Concurrent clients on the one key of W3.", DefaultValueFactory = _ => 16 };
        var w3Duration = CommonOptions.Duration("--w3-duration", "Length of W3.", TimeSpan.FromSeconds(10));
        var responseTimeout = CommonOptions.Duration("--response-timeout", "The benchmark client's Orleans response timeout.", TimeSpan.FromSeconds(5));
        var clusterWarmup = CommonOptions.Duration("--cluster-warmup", "Load on the cluster before the first workload, then half as long idle; not measured (fresh .NET processes run slowly until the JIT has optimized them).", TimeSpan.FromSeconds(20));
        var deadline = CommonOptions.Duration("--deadline", "How long one operation may take: the client then cancels it and counts its outcome as unknown.", TimeSpan.FromSeconds(1.5));
        var command = new Command("bench",
            "Measure: the floor (one durable single-row PostgreSQL update per operation), W1 (1 client, sequential increments of one key), " +
            "W2 (64 clients, random keys of 1000), W3 (16 clients, one key) and failover (W2 while a silo is SIGKILLed). " +
            "By default it starts its own cluster of silo processes on a private PostgreSQL.\n  caspaxos bench\n  caspaxos bench -w w1 w2 --w2-duration 60s")
        {
            workloads, existing, killCommand, silos, siloPort, gatewayPort, httpPort, output, w1, w2Clients, w2Keys, warmup, w2Duration, w3Clients, w3Duration, responseTimeout, deadline, clusterWarmup,
        };
        common.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var chosen = result.GetValue(workloads)!.Select(w => w.ToLowerInvariant()).ToArray();
            if (chosen.Except(AllWorkloads).FirstOrDefault() is { } unknown)
            {
                await Console.Error.WriteLineAsync($"error: there is no workload '{unknown}'; choose from {string.Join(", ", AllWorkloads)}.");
                return ExitCodes.Usage;
            }

            var settings = new BenchSettings
            {
                W1Operations = result.GetValue(w1),
                W2Clients = result.GetValue(w2Clients),
                W2Keys = result.GetValue(w2Keys),
                W2Warmup = result.GetValue(warmup),
                W2Duration = result.GetValue(w2Duration),
                W3Clients = result.GetValue(w3Clients),
                W3Duration = result.GetValue(w3Duration),
                OperationDeadline = result.GetValue(deadline),
                ClusterWarmup = result.GetValue(clusterWarmup),
            };
            await using var target = result.GetValue(existing)
                ? Target.Existing(common.Connection(result), result.GetValue(killCommand))
                : await Target.StartAsync(result.GetValue(silos), (result.GetValue(siloPort), result.GetValue(gatewayPort), result.GetValue(httpPort)), cancellationToken);
            using var client = await ConnectAsync(target.Connection, result.GetValue(responseTimeout), cancellationToken);
            var bench = new Workloads(settings, client.Services.GetRequiredService<IClusterClient>(), target.Connection.PostgresConnectionString ?? "", target.ScrapeAsync);
            var results = new List<BenchResult>();
            if (chosen.Any(w => w != "floor"))
            {
                Console.WriteLine($"-- cluster warm-up ({settings.ClusterWarmup.TotalSeconds:0} s of load and {settings.ClusterWarmup.TotalSeconds / 2:0} s idle, not measured)");
                await bench.WarmUpAsync(cancellationToken);
            }

            foreach (var workload in chosen)
            {
                Console.WriteLine($"-- {workload}");
                switch (workload)
                {
                    case "floor" when target.Connection.PostgresConnectionString is null:
                        Console.WriteLine("   skipped: the floor needs --postgres");
                        break;
                    case "floor":
                        results.AddRange(await bench.FloorAsync(cancellationToken));
                        break;
                    case "w1":
                        results.Add(await bench.W1Async(cancellationToken));
                        break;
                    case "w2":
                        results.Add(await bench.W2Async(cancellationToken));
                        break;
                    case "w3":
                        results.Add(await bench.W3Async(cancellationToken));
                        break;
                    case "failover" when target.Kill is null:
                        Console.WriteLine("   skipped: failover needs a silo to kill (--kill-command with --existing)");
                        break;
                    case "failover":
                        results.Add(await bench.FailoverAsync(target.Kill, cancellationToken));
                        break;
                }
            }

            Console.WriteLine();
            Console.WriteLine(Table(results));
            var file = result.GetValue(output)!;
            await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(new
            {
                machine = new { Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
                date = DateTime.UtcNow,
                settings,
                results,
            }, Indented), cancellationToken);
            Console.WriteLine($"results written to {file.FullName}");
            return results.Any(r => r.FinalCheck.Contains("WRONG", StringComparison.Ordinal)) ? ExitCodes.NotLinearizable : ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<IHost> ConnectAsync(ClusterConnection connection, TimeSpan responseTimeout, CancellationToken cancellationToken)
    {
        var host = await connection.ConnectAsync(cancellationToken, client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout));
        return host;
    }

    private static string Table(IEnumerable<BenchResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| workload | system | clients | ops/s | p50 ms | p99 ms | max ms | max acked ms | failed | unknown | in flight at kill | conflicts/change | rounds/change | spares/change | 1-RTT hits | final vs acked | recovery s |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Workload} | {r.System} | {r.Clients} | {r.Stats.OpsPerSecond:0} | {r.Stats.P50:0.000} | {r.Stats.P99:0.000} | {r.Stats.Max:0.0} | {r.Stats.MaxAcknowledged:0.0} | " +
                $"{r.Failed} | {r.Unknown} | {Optional(r.InFlightAtKill, "0")} | {Optional(r.ConflictsPerChange, "0.00")} | {Optional(r.RoundsPerChange, "0.00")} | {Optional(r.SpareAcceptsPerChange, "0.000")} | {Optional(r.OneRoundTripRate, "0.0%")} | " +
                $"{r.FinalCheck} | {Optional(r.RecoverySeconds, "0.0")} |");
        }

        foreach (var r in results.Where(r => r.Errors.Count > 0))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Workload} ({r.System}) errors: {string.Join(", ", r.Errors.Select(e => $"{e.Key} {e.Value}"))}");
        }

        return text.ToString();

        static string Optional(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>The cluster under test: one bench started (and can kill a silo of), or one it was pointed at.</summary>
    private sealed class Target : IAsyncDisposable
    {
        private readonly LocalCluster.LocalCluster? _cluster;
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

        private Target(ClusterConnection connection, LocalCluster.LocalCluster? cluster, Func<Task>? kill)
        {
            Connection = connection;
            _cluster = cluster;
            Kill = kill;
        }

        public ClusterConnection Connection { get; }

        public Func<Task>? Kill { get; }

        public static Target Existing(ClusterConnection connection, string? killCommand)
            => new(connection, null, killCommand is null ? null : async () =>
            {
                using var shell = System.Diagnostics.Process.Start("/bin/sh", ["-c", killCommand]);
                await shell.WaitForExitAsync();
            });

        public static async Task<Target> StartAsync(int silos, (int Silo, int Gateway, int Http) ports, CancellationToken cancellationToken)
        {
            var program = Path.Combine(AppContext.BaseDirectory, "CasPaxos.Orleans.Silo.dll");
            Console.WriteLine($"Starting a private PostgreSQL server and {silos} silo processes...");
            var cluster = await LocalCluster.LocalCluster.StartAsync(new LocalClusterOptions
            {
                SiloProgram = program,
                Silos = silos,
                ClusterId = "caspaxos-bench",
                ServiceId = "caspaxos-bench",
                SiloPort = ports.Silo,
                GatewayPort = ports.Gateway,
                HttpPort = ports.Http,
                SiloSettings = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Error" },
                Output = (silo, line) => Console.Error.WriteLine($"[silo {silo}] {line}"),
            }, cancellationToken: cancellationToken);
            var connection = new ClusterConnection(cluster.ConnectionString, [], "caspaxos-bench", "caspaxos-bench");
            return new Target(connection, cluster, () =>
            {
                var victim = cluster.Silos[^1];
                Console.Error.WriteLine($"[bench] SIGKILL silo {victim.Number} (pid {victim.ProcessId})");
                victim.Kill();
                return Task.CompletedTask;
            });
        }

        public async Task<SiloMetrics> ScrapeAsync(CancellationToken cancellationToken)
            => _cluster is null ? SiloMetrics.Zero : await SiloMetrics.ScrapeAsync(_http, _cluster.Silos.Select(s => s.HttpAddress), cancellationToken);

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync();
            }
        }
    }
}
