using CasPaxos.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// Orleans can briefly run two activations of one acceptor. Both then write the same row; the ETag check must make the
/// stale writer fail, and a stale acceptor must answer with a rejection, never with a promise or an ack.
/// </summary>
[Collection(PostgresClusters.Name)]
public class DuplicateActivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Of_two_first_writes_to_one_row_the_second_is_rejected()
    {
        var (storage, grainId) = await RowAsync("r0/dup-insert/" + Guid.NewGuid().ToString("N"));
        var first = await ReadAsync(storage, grainId);
        var second = await ReadAsync(storage, grainId);
        Assert.Null(first.ETag);

        first.State!.Promise = new Ballot(1, 1);
        await storage.WriteStateAsync(AcceptorGrain.StateName, grainId, first);
        second.State!.Promise = new Ballot(2, 2);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(AcceptorGrain.StateName, grainId, second));

        Assert.Equal(new Ballot(1, 1), (await ReadAsync(storage, grainId)).State!.Promise);
    }

    [Fact]
    public async Task Of_two_writers_holding_the_same_version_the_second_is_rejected()
    {
        var (storage, grainId) = await RowAsync("r0/dup-update/" + Guid.NewGuid().ToString("N"));
        var seed = await ReadAsync(storage, grainId);
        await storage.WriteStateAsync(AcceptorGrain.StateName, grainId, seed);
        var first = await ReadAsync(storage, grainId);
        var second = await ReadAsync(storage, grainId);
        Assert.Equal(first.ETag, second.ETag);

        first.State!.Promise = new Ballot(3, 1);
        await storage.WriteStateAsync(AcceptorGrain.StateName, grainId, first);
        Assert.NotEqual(second.ETag, first.ETag);
        second.State!.Promise = new Ballot(4, 2);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(AcceptorGrain.StateName, grainId, second));

        Assert.Equal(new Ballot(3, 1), (await ReadAsync(storage, grainId)).State!.Promise);
    }

    [Theory]
    [InlineData("prepare")]
    [InlineData("accept")]
    public async Task A_stale_acceptor_activation_rejects_instead_of_answering_from_memory(string request)
    {
        var cluster = await fixture.SharedClusterAsync();
        var registerKey = "dup-grain/" + Guid.NewGuid().ToString("N");
        await cluster.Client.GetGrain<IRegisterGrain>(registerKey).SetAsync("x");
        var acceptorKey = AcceptorKey.Format(0, registerKey);
        var acceptor = cluster.Client.GetGrain<IAcceptorGrain>(acceptorKey);
        await acceptor.Prepare(Ballot.Zero); // make sure replica 0 is active (a rejected prepare writes nothing)

        // A second activation of the same acceptor stores a promise through the same storage provider.
        var (storage, grainId) = await RowAsync(acceptorKey);
        var other = await ReadAsync(storage, grainId);
        var othersPromise = new Ballot(1_000_000, 77);
        other.State!.Promise = othersPromise;
        await storage.WriteStateAsync(AcceptorGrain.StateName, grainId, other);

        // The live activation still holds the older version; by its memory it would promise or accept.
        var ballot = new Ballot(2_000_000, 5);
        var granted = request == "prepare"
            ? (await acceptor.Prepare(ballot)).Promised
            : (await acceptor.Accept(ballot, new RegisterState(9, [1]), Lineage.Empty)).Accepted;
        Assert.False(granted);
        Assert.Equal(othersPromise, (await ReadAsync(storage, grainId)).State!.Promise);

        // It deactivated itself; the next activation reads the other writer's promise and carries on from there.
        var promised = await Eventually.Get(async () =>
        {
            var reply = await acceptor.Prepare(ballot);
            return reply.Promised ? reply.Value : null;
        }, TimeSpan.FromSeconds(10), "a fresh activation to promise");
        Assert.Equal("x", promised.ValueAsString);
        Assert.Equal(ballot, (await ReadAsync(storage, grainId)).State!.Promise);
    }

    private async Task<(IGrainStorage Storage, GrainId GrainId)> RowAsync(string acceptorKey)
    {
        InProcessTestCluster cluster = await fixture.SharedClusterAsync();
        var storage = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredKeyedService<IGrainStorage>(CasPaxosOptions.DefaultStorageName);
        return (storage, cluster.Client.GetGrain<IAcceptorGrain>(acceptorKey).GetGrainId());
    }

    private static async Task<GrainState<AcceptorRecord>> ReadAsync(IGrainStorage storage, GrainId grainId)
    {
        var state = new GrainState<AcceptorRecord>(new AcceptorRecord());
        await storage.ReadStateAsync(AcceptorGrain.StateName, grainId, state);
        return state;
    }
}
