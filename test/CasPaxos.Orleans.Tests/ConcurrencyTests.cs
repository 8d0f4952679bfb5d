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
}
