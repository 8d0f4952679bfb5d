using CasPaxos.Core;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace CasPaxos.Orleans.Tests;

/// <summary>The replicas of a register live on distinct silos, and stay apart when a silo dies.</summary>
[Collection(PostgresClusters.Name)]
public class ReplicaPlacementTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_five_acceptors_of_each_of_100_keys_sit_on_five_distinct_silos()
    {
        var cluster = await fixture.SharedClusterAsync();
        var keys = Enumerable.Range(0, 100).Select(i => $"placement/{Guid.NewGuid():N}/{i}").ToArray();
        await Task.WhenAll(keys.Select(key => cluster.Client.GetGrain<IRegisterGrain>(key).SetAsync("x")));

        foreach (var key in keys)
        {
            var silos = await AcceptorSilosAsync(cluster, key, ClusterFixture.SharedReplicas);
            Assert.Equal(ClusterFixture.SharedReplicas, silos.Distinct().Count());
        }
    }

    [Fact]
    public async Task Acceptors_reactivated_after_a_silo_dies_avoid_silos_that_host_a_sibling()
    {
        await using var cluster = await TestClusters.StartAsync(fixture.ConnectionString, silos: 4, replicas: 3);
        var keys = Enumerable.Range(0, 40).Select(i => $"replace/{i}").ToArray();
        await Task.WhenAll(keys.Select(key => cluster.Client.GetGrain<IRegisterGrain>(key).SetAsync("before")));
        var before = new Dictionary<string, SiloAddress[]>();
        foreach (var key in keys)
        {
            before[key] = await AcceptorSilosAsync(cluster, key, 3);
        }

        var victim = cluster.Silos.Last();
        await cluster.KillSiloAsync(victim);
        await cluster.WaitForLivenessToStabilizeAsync(didKill: true);

        var displaced = keys.Where(key => before[key].Contains(victim.SiloAddress)).ToArray();
        Assert.NotEmpty(displaced);

        // Negative control: placing by position alone over the survivors would put some replica next to a sibling.
        var survivors = cluster.Silos.Where(s => s != victim).Select(s => s.SiloAddress).ToArray();
        ReplicaPlacementDirector.SortByEndpoint(survivors);
        Assert.Contains(displaced, key =>
        {
            var replica = Array.IndexOf(before[key], victim.SiloAddress);
            var naive = survivors[ReplicaPlacementDirector.PreferredIndex(key, replica, survivors.Length)];
            return before[key].Where((_, i) => i != replica).Contains(naive);
        });
        foreach (var key in keys)
        {
            await cluster.Client.GetGrain<IRegisterGrain>(key).SetAsync("after");
        }

        foreach (var key in displaced)
        {
            // A thrifty accept need not touch the displaced replica at all; a refused prepare activates it without a write.
            var replica = Array.IndexOf(before[key], victim.SiloAddress);
            await cluster.Client.GetGrain<IAcceptorGrain>(AcceptorKey.Format(replica, key)).Prepare(Ballot.Zero);
            var after = await AcceptorSilosAsync(cluster, key, 3);
            Assert.DoesNotContain(victim.SiloAddress, after);
            Assert.Equal(3, after.Distinct().Count());
        }
    }

    /// <summary>Where each replica of <paramref name="key"/> is active, waiting for replicas whose activation is under way.</summary>
    private static async Task<SiloAddress[]> AcceptorSilosAsync(InProcessTestCluster cluster, string key, int replicas)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var silos = new SiloAddress[replicas];
        for (var replica = 0; replica < replicas; replica++)
        {
            var acceptor = cluster.Client.GetGrain<IAcceptorGrain>(AcceptorKey.Format(replica, key));
            silos[replica] = await Eventually.Get(async () => await management.GetActivationAddress(acceptor),
                TimeSpan.FromSeconds(15), $"replica {replica} of {key} to be active");
        }

        return silos;
    }
}
