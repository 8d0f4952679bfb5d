using CasPaxos.History;
using CasPaxos.Orleans.Workloads;
using CasPaxos.Postgres.Local;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// Concurrent clients record a history on a real cluster while faults strike; the history must be linearizable.
/// </summary>
[Collection(PostgresClusters.Name)]
public class LinearizabilityTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Silos_killed_and_restarted_during_the_run()
    {
        await using var cluster = await TestClusters.StartAsync(fixture.ConnectionString, silos: 5, replicas: 3);
        var clients = Clients(cluster, cluster.Silos.Take(3));
        await RecordAndCheckAsync(nameof(Silos_killed_and_restarted_during_the_run), clients, async stop =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stop);
            await cluster.KillSiloAsync(cluster.Silos[4], CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2), stop);
            await cluster.StartAdditionalSiloAsync();
            await Task.Delay(TimeSpan.FromSeconds(2), stop);
            await cluster.KillSiloAsync(cluster.Silos[3], CancellationToken.None);
        });
    }

    [Fact]
    public async Task A_silo_cut_off_from_the_others()
    {
        await using var cluster = await TestClusters.StartAsync(fixture.ConnectionString, silos: 4, replicas: 3, configureSilo: SiloIsolation.Install);
        var victim = cluster.Silos[3];
        // Calls also enter through the victim: its proposer keeps proposing while it can reach no other silo.
        var clients = Clients(cluster, cluster.Silos);
        await RecordAndCheckAsync(nameof(A_silo_cut_off_from_the_others), clients, async stop =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), stop);
            cluster.GetSiloServiceProvider(victim.SiloAddress).GetRequiredService<SiloIsolation>().Isolate();
        });

        // The cut was real: the others declared the victim dead, and it stopped.
        var survivors = cluster.Silos.Where(s => s != victim).ToArray();
        var status = await Eventually.Get(async () =>
        {
            var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            return hosts.ContainsKey(victim.SiloAddress) ? null : hosts;
        }, TimeSpan.FromSeconds(30), "the isolated silo to be declared dead");
        Assert.All(survivors, s => Assert.Contains(s.SiloAddress, status.Keys));
    }

    [Fact]
    public async Task Acceptor_calls_delayed_past_the_call_timeout()
    {
        await using var cluster = await TestClusters.StartAsync(fixture.ConnectionString, silos: 3, replicas: 3,
            configure: options => { options.AcceptorCallTimeout = TimeSpan.FromMilliseconds(100); options.ThriftyAcceptTimeout = TimeSpan.FromMilliseconds(30); },
            configureSilo: silo => AcceptorDelays.Install(silo, share: 0.3, maxDelay: TimeSpan.FromMilliseconds(300)));
        await RecordAndCheckAsync(nameof(Acceptor_calls_delayed_past_the_call_timeout), Clients(cluster, cluster.Silos), _ => Task.CompletedTask);
    }

    [Fact]
    public async Task PostgreSQL_restarted_during_the_run()
    {
        await using var database = await LocalPostgres.StartAsync();
        await CasPaxosSchema.ApplyAsync(database.ConnectionString);
        await using var cluster = await TestClusters.StartAsync(database.ConnectionString, silos: 3, replicas: 3);
        await RecordAndCheckAsync(nameof(PostgreSQL_restarted_during_the_run), Clients(cluster, cluster.Silos), async stop =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), stop);
            await database.StopAsync(stop);
            await Task.Delay(TimeSpan.FromSeconds(2), stop);
            await database.RestartAsync(stop);
        });
    }

    [Fact]
    public async Task Acceptors_stored_through_the_orleans_ado_net_provider_with_a_silo_killed()
    {
        await using var cluster = await TestClusters.StartAsync(fixture.ConnectionString, silos: 4, replicas: 3,
            configure: options =>
            {
                for (var replica = 0; replica < 3; replica++)
                {
                    options.StorageNames.Add(TestClusters.AdoNetStorageName);
                }
            });
        await RecordAndCheckAsync(nameof(Acceptors_stored_through_the_orleans_ado_net_provider_with_a_silo_killed), Clients(cluster, cluster.Silos.Take(3)), async stop =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), stop);
            await cluster.KillSiloAsync(cluster.Silos[3], CancellationToken.None);
        });
    }

    [Fact]
    public async Task Duplicate_acceptor_activations_in_two_clusters_on_one_database()
    {
        // Two clusters that do not know each other but share a service id: every acceptor has two live activations
        // writing one row, as Orleans can briefly have during membership changes.
        var serviceId = TestClusters.NewServiceId();
        await using var first = await TestClusters.StartAsync(fixture.ConnectionString, silos: 2, replicas: 3, serviceId);
        await using var second = await TestClusters.StartAsync(fixture.ConnectionString, silos: 2, replicas: 3, serviceId);
        using var conflicts = new InstrumentListener("caspaxos.acceptor.write.conflicts");
        await RecordAndCheckAsync(nameof(Duplicate_acceptor_activations_in_two_clusters_on_one_database),
            [.. Clients(first, first.Silos), .. Clients(second, second.Silos)], _ => Task.CompletedTask);
        output.WriteLine($"acceptor writes refused by the ETag check: {conflicts.Sum}");
        Assert.True(conflicts.Sum > 0, "the two clusters' acceptors should have collided on their rows");
    }

    private static IGrainFactory[] Clients(InProcessTestCluster cluster, IEnumerable<InProcessSiloHandle> proposingSilos)
        => [cluster.Client, .. proposingSilos.Select(cluster.GrainFactoryOf)];

    private async Task RecordAndCheckAsync(string scenario, IReadOnlyList<IGrainFactory> clients, Func<CancellationToken, Task> faults)
    {
        var workload = new HistoryWorkload(clients, new HistoryWorkloadOptions
        {
            KeyPrefix = $"lin/{scenario}/{Guid.NewGuid():N}/",
            Clients = 8,
            Keys = 3,
            Seed = scenario.Length,
        });
        using var stop = new CancellationTokenSource(RunTime);
        var run = workload.RunAsync(stop.Token);
        try
        {
            await faults(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        var history = await run;
        var check = LinearizabilityChecker.Check(history);
        var counts = HistoryCounts.Of(history);
        output.WriteLine($"{scenario}: {counts}; {check}");
        if (!check.Linearizable)
        {
            var file = Path.Combine(Path.GetTempPath(), $"caspaxos-{scenario}-{DateTime.UtcNow:yyyyMMddHHmmss}.jsonl");
            await HistoryFormat.WriteFileAsync(file, history);
            output.WriteLine($"history written to {file}");
        }

        Assert.True(check.Linearizable, check.ToString());
        Assert.True(counts.Ok > 100, $"too few operations completed to mean much: {counts}");
    }
}
