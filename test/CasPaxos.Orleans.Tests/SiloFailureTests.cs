using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace CasPaxos.Orleans.Tests;

/// <summary>Silos die and whole clusters restart; acknowledged changes stay.</summary>
[Collection(PostgresClusters.Name)]
public class SiloFailureTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_two_of_five_silos_mid_workload_loses_no_acknowledged_change_and_later_changes_succeed()
    {
        await using var cluster = await TestClusters.StartAsync(fixture.ConnectionString, silos: 5, replicas: 5);
        var keys = Enumerable.Range(0, 10).Select(i => $"kill/{i}").ToArray();
        var survivors = cluster.Silos.Take(3).ToArray();
        var victims = cluster.Silos.Skip(3).ToArray();
        // Workers propose on the surviving silos, so every failure they see comes from the acceptors that died.
        var factories = survivors.Select(cluster.GrainFactoryOf).ToArray();
        var perKey = keys.ToDictionary(key => key, _ => new Outcomes());
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 12).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                var register = factories[worker % factories.Length].GetGrain<IRegisterGrain>(key);
                await perKey[key].RecordAsync(() => register.IncrementAsync());
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var ackedBeforeKill = perKey.Values.Sum(o => o.Acknowledged);
        foreach (var victim in victims)
        {
            await cluster.KillSiloAsync(victim);
        }

        await Task.Delay(TimeSpan.FromSeconds(4));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var ackedAfterKill = perKey.Values.Sum(o => o.Acknowledged) - ackedBeforeKill;
        output.WriteLine($"before the kill: {ackedBeforeKill} acknowledged; after: {ackedAfterKill} acknowledged, " +
            $"{perKey.Values.Sum(o => o.Failed)} definitely failed, {perKey.Values.Sum(o => o.Unknown)} unknown");
        Assert.True(ackedBeforeKill > 0, "the workload should have made progress before the kill");
        Assert.True(ackedAfterKill > 0, "changes should keep committing with three of five acceptors");
        foreach (var key in keys)
        {
            var outcomes = perKey[key];
            var state = await factories[0].GetGrain<IRegisterGrain>(key).ReadAsync();
            Assert.InRange(state.CounterValue, outcomes.Acknowledged, outcomes.Acknowledged + outcomes.Unknown);
            Assert.Equal(state.CounterValue, state.Version);
        }

        await cluster.WaitForLivenessToStabilizeAsync(didKill: true);
        foreach (var key in keys)
        {
            var before = (await factories[1].GetGrain<IRegisterGrain>(key).ReadAsync()).CounterValue;
            Assert.Equal(before + 1, await factories[2].GetGrain<IRegisterGrain>(key).IncrementAsync());
        }
    }

    [Fact]
    public async Task A_new_cluster_on_the_same_database_reads_back_every_last_acknowledged_state()
    {
        var serviceId = TestClusters.NewServiceId();
        var expected = new ConcurrentDictionary<string, RegisterState>();
        await using (var first = await TestClusters.StartAsync(fixture.ConnectionString, silos: 3, replicas: 3, serviceId))
        {
            var client = first.Client;
            await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
            {
                var key = $"restart/{i}";
                var register = client.GetGrain<IRegisterGrain>(key);
                RegisterState last = await register.SetAsync($"value {i}");
                switch (i % 4)
                {
                    case 1:
                        last = (await register.CompareAndSetAsync(last.Version, $"swapped {i}")).State;
                        break;
                    case 2:
                        last = (await register.DeleteAsync()).State;
                        break;
                    case 3:
                        await register.SetAsync("0");
                        await register.IncrementAsync(i);
                        last = await register.ReadAsync();
                        break;
                }

                expected[key] = last;
            }));
            await first.StopAllSilosAsync();
        }

        await using var second = await TestClusters.StartAsync(fixture.ConnectionString, silos: 3, replicas: 3, serviceId);
        foreach (var (key, state) in expected)
        {
            var read = await second.Client.GetGrain<IRegisterGrain>(key).ReadAsync();
            Assert.Equal(state, read);
        }

        Assert.Contains(expected.Values, state => !state.Exists); // deletions came back as tombstones
    }
}
