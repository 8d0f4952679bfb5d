using System.Text;

namespace CasPaxos.Orleans.Tests;

/// <summary>Many proposers on one register: no lost update, no double application.</summary>
[Collection(PostgresClusters.Name)]
public class ConcurrencyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Two_hundred_concurrent_increments_from_several_clients_end_at_exactly_200()
    {
        var cluster = await fixture.SharedClusterAsync();
        var key = "concurrency/" + Guid.NewGuid().ToString("N");
        // The external client proposes through its gateway; each silo's own grain factory proposes on that silo.
        var clients = cluster.Silos.Select(silo => cluster.GrainFactoryOf(silo)).Prepend(cluster.Client).ToArray();
        var outcomes = new Outcomes();

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var register = clients[i % clients.Length].GetGrain<IRegisterGrain>(key);
            // A definite failure (no quorum in time under contention) may be retried: it certainly did not apply.
            while (!await outcomes.RecordAsync(() => register.IncrementAsync()) && outcomes.Unknown == 0)
            {
            }
        })));

        var final = await cluster.Client.GetGrain<IRegisterGrain>(key).ReadAsync();
        Assert.True(outcomes.Unknown == 0, $"an increment had an unknown outcome: {outcomes}");
        Assert.Equal(200, outcomes.Acknowledged);
        Assert.Equal(200, final.CounterValue);
        Assert.Equal(200, final.Version);
    }

    [Fact]
    public async Task Concurrent_changes_on_one_silo_share_proposals_and_each_caller_gets_its_own_result()
    {
        var cluster = await fixture.SharedClusterAsync();
        var key = "batching/" + Guid.NewGuid().ToString("N");
        var register = cluster.GrainFactoryOf(cluster.Silos[0]).GetGrain<IRegisterGrain>(key);
        using var batchSizes = new InstrumentListener("caspaxos.proposal.changes");

        // Only one claim can find the register absent, whether claims share a proposal or not; every other claim
        // must see the winner's value, not a value of its own batch that never committed.
        var claims = Enumerable.Range(0, 100).Select(i => register.SetIfAbsentAsync(Encoding.UTF8.GetBytes($"claim {i}"))).ToArray();
        var results = await Task.WhenAll(claims);

        var winner = Assert.Single(results, result => result.Applied);
        Assert.All(results, result => Assert.Equal((1L, winner.State.ValueAsString), (result.State.Version, result.State.ValueAsString)));
        Assert.True(batchSizes.Largest > 1, "no proposal carried more than one change: concurrent callers did not share rounds");
        Assert.Equal(1, (await register.ReadAsync()).Version);
    }
}
