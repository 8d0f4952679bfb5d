using System.Net.Http.Json;
using CasPaxos.Orleans.LocalCluster;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Xunit.Abstractions;

namespace CasPaxos.Orleans.Tests;

/// <summary>The silo host program as separate processes on PostgreSQL membership, as a deployment runs it.</summary>
[Collection(PostgresClusters.Name)]
public sealed class SiloProcessTests(ClusterFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public void Dispose()
    {
        _http.Dispose();
        if (!_log.IsEmpty)
        {
            output.WriteLine(string.Join(Environment.NewLine, _log.TakeLast(200)));
        }
    }

    /// <summary>Three silo processes on the test database under a cluster id of their own, their output in the test log.</summary>
    private Task<LocalCluster.LocalCluster> StartSilosAsync() => LocalCluster.LocalCluster.StartAsync(new LocalClusterOptions
    {
        SiloProgram = Processes.Program("CasPaxos.Orleans.Silo", "CasPaxos.Orleans.Silo"),
        ConnectionString = fixture.ConnectionString,
        ClusterId = TestClusters.NewServiceId(),
        SiloPort = Processes.FreePorts(3),
        GatewayPort = Processes.FreePorts(3),
        HttpPort = Processes.FreePorts(3),
        Output = (silo, line) => _log.Enqueue($"[silo {silo}] {line}"),
    });

    [Fact]
    public async Task Three_silo_processes_lose_no_acknowledged_change_when_one_is_killed_and_it_rejoins_after_a_restart()
    {
        await using var cluster = await StartSilosAsync();
        var (clusterId, silos) = (cluster.Options.ClusterId, cluster.Silos);
        {
            using var client = await ConnectAsync(clusterId);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var keys = Enumerable.Range(0, 10).Select(i => $"process-kill/{i}").ToArray();
            var perKey = keys.ToDictionary(key => key, _ => new Outcomes());
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                var random = new Random(worker);
                while (!stop.IsCancellationRequested)
                {
                    var key = keys[random.Next(keys.Length)];
                    await perKey[key].RecordAsync(() => grains.GetGrain<IRegisterGrain>(key).IncrementAsync());
                }
            })).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(3));
            var beforeKill = perKey.Values.Sum(o => o.Acknowledged);
            silos[2].Kill();
            await Task.Delay(TimeSpan.FromSeconds(5));
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            var afterKill = perKey.Values.Sum(o => o.Acknowledged) - beforeKill;
            output.WriteLine($"before the kill {beforeKill} acknowledged; after {afterKill}; " +
                $"{perKey.Values.Sum(o => o.Failed)} definitely failed, {perKey.Values.Sum(o => o.Unknown)} unknown");
            Assert.True(beforeKill > 0 && afterKill > 0, "increments should commit before and after the kill");
            foreach (var (key, outcomes) in perKey)
            {
                var count = (await grains.GetGrain<IRegisterGrain>(key).ReadAsync()).CounterValue;
                Assert.InRange(count, outcomes.Acknowledged, outcomes.Acknowledged + outcomes.Unknown);
            }

            await silos[2].RestartAsync(cluster.Http, CancellationToken.None);
            var ready = await Eventually.Get(async () =>
            {
                var body = await _http.GetFromJsonAsync<JsonElement>(new Uri(silos[0].HttpAddress, "/health/ready"));
                return body.GetProperty("activeSilos").GetInt32() == 3 ? "three" : null;
            }, TimeSpan.FromSeconds(60), "the restarted silo to rejoin the membership");
            Assert.Equal("three", ready);
            Assert.Equal(1, await grains.GetGrain<IRegisterGrain>($"process-kill/after/{clusterId}").IncrementAsync());
        }
    }

    [Fact]
    public async Task The_cli_reads_and_changes_registers_with_exit_codes_that_tell_the_outcome()
    {
        await using var cluster = await StartSilosAsync();
        var (clusterId, gateways) = (cluster.Options.ClusterId, cluster.Silos.Select(silo => silo.GatewayPort).ToArray());
        {
            var cli = Processes.Program("CasPaxos.Orleans.Cli", "caspaxos");
            string[] viaGateways = ["--cluster-id", clusterId, "--service-id", clusterId, .. gateways.SelectMany(port => new[] { "-g", $"127.0.0.1:{port}" })];
            string[] viaPostgres = ["--cluster-id", clusterId, "--service-id", clusterId, "--postgres", fixture.ConnectionString];

            async Task<(int Exit, string Output)> Run(string[] connection, params string[] arguments)
            {
                var result = await Processes.RunAsync(Processes.Dotnet(cli, [.. arguments, .. connection]), TimeSpan.FromSeconds(60));
                output.WriteLine($"caspaxos {string.Join(' ', arguments)} -> {result.ExitCode}: {result.Output.Trim()}");
                return result;
            }

            Assert.Equal(0, (await Run(viaGateways, "set", "cli/k", "one")).Exit);
            var (getExit, getOutput) = await Run(viaPostgres, "get", "cli/k", "--json");
            Assert.Equal(0, getExit);
            var json = JsonDocument.Parse(getOutput.Trim().Split('\n').Last()).RootElement;
            Assert.Equal(("one", 1L), (json.GetProperty("value").GetString(), json.GetProperty("version").GetInt64()));

            Assert.Equal(0, (await Run(viaGateways, "cas", "cli/k", "1", "two")).Exit);
            var (missExit, missOutput) = await Run(viaGateways, "cas", "cli/k", "1", "stale");
            Assert.Equal(1, missExit);
            Assert.Contains("two", missOutput, StringComparison.Ordinal);
            Assert.Contains("not applied", missOutput, StringComparison.Ordinal);

            var (incExit, incOutput) = await Run(viaGateways, "inc", "cli/counter", "--by", "5");
            Assert.Equal(0, incExit);
            Assert.StartsWith("5", incOutput.Trim(), StringComparison.Ordinal);
            Assert.Equal(5, (await Run(viaGateways, "inc", "cli/k")).Exit); // "two" is not a counter: refused
            Assert.Equal(1, (await Run(viaGateways, "get", "cli/never-written")).Exit);
            Assert.Equal(1, (await Run(viaGateways, "delete", "cli/k", "--if-version", "9")).Exit);
            Assert.Equal(0, (await Run(viaGateways, "delete", "cli/k")).Exit);
            Assert.Equal(1, (await Run(viaGateways, "get", "cli/k")).Exit);

            Assert.Equal(2, (await Run(viaGateways, "cas", "cli/k", "not-a-version", "x")).Exit);
            Assert.Equal(2, (await Run([], "get")).Exit);
            Assert.Equal(2, (await Run(viaGateways, "get", "cli/line\nbreak")).Exit);
            var (unreachable, unreachableOutput) = await Run(["--cluster-id", clusterId, "--connect-timeout", "5s", "-g", $"127.0.0.1:{Processes.FreePorts(1)}"], "get", "cli/k");
            Assert.Equal(4, unreachable);
            Assert.Contains("Could not connect", unreachableOutput, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("replica without a connection string", 2, "Replica 1 has no PostgreSQL connection string")]
    [InlineData("replica count above silo count", 2, "is above the number of silos")]
    [InlineData("unreachable database", 3, "cannot be used")]
    [InlineData("malformed connection string", 2, "is not valid")]
    public async Task A_configuration_error_gives_one_clear_message_and_a_non_zero_exit(string mistake, int exitCode, string message)
    {
        var unreachable = $"Host=127.0.0.1;Port={Processes.FreePorts(1)};Username=postgres;Database=none;Timeout=3";
        var settings = mistake switch
        {
            "replica without a connection string" => new Dictionary<string, string>
            {
                ["LocalCluster__Enabled"] = "false",
                ["ConnectionStrings__Membership"] = fixture.ConnectionString,
                ["CasPaxos__Storage__ConnectionStrings__0"] = fixture.ConnectionString,
            },
            "replica count above silo count" => new Dictionary<string, string>
            {
                ["LocalCluster__Enabled"] = "true",
                ["LocalCluster__Silos"] = "2",
                ["CasPaxos__ReplicaCount"] = "3",
            },
            "unreachable database" => new Dictionary<string, string> { ["ConnectionStrings__CasPaxos"] = unreachable },
            _ => new Dictionary<string, string> { ["ConnectionStrings__CasPaxos"] = "Host=127.0.0.1;Port=notaport" },
        };
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Processes.FreePorts(1)}";

        var (exit, text) = await Processes.RunAsync(
            Processes.Dotnet(Processes.Program("CasPaxos.Orleans.Silo", "CasPaxos.Orleans.Silo"), [], settings), TimeSpan.FromSeconds(60));
        output.WriteLine(text);
        Assert.Equal(exitCode, exit);
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.Contains("error", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<IHost> ConnectAsync(string clusterId)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleansClient(client => client
                .UseAdoNetClustering(options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = fixture.ConnectionString;
                })
                .Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = clusterId;
                })
                .AddCasPaxos())
            .Build();
        await host.StartAsync();
        return host;
    }
}
