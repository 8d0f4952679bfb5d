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
    [Theory]
    [InlineData(CasPaxosOptions.DefaultStorageName)]
    [InlineData(TestClusters.AdoNetStorageName)]
    public async Task Of_two_first_writes_to_one_row_the_second_is_rejected(string provider)
    {
        var (storage, grainId) = await RowAsync("r0/dup-insert/" + Guid.NewGuid().ToString("N"), provider);
        var first = await ReadAsync(storage, grainId);
        var second = await ReadAsync(storage, grainId);
        Assert.Null(first.ETag);

        first.State!.Promise = new Ballot(1, 1);
        await storage.WriteStateAsync(AcceptorGrain.StateName, grainId, first);
        second.State!.Promise = new Ballot(2, 2);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(AcceptorGrain.StateName, grainId, second));

        Assert.Equal(new Ballot(1, 1), (await ReadAsync(storage, grainId)).State!.Promise);
    }

    [Theory]
    [InlineData(CasPaxosOptions.DefaultStorageName)]
    [InlineData(TestClusters.AdoNetStorageName)]
    public async Task Of_two_writers_holding_the_same_version_the_second_is_rejected(string provider)
    {
        var (storage, grainId) = await RowAsync("r0/dup-update/" + Guid.NewGuid().ToString("N"), provider);
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

        // A replica that accepted "x" (a thrifty accept reaches only a quorum of them).
        var holders = new List<(string Key, IGrainStorage Storage, GrainId GrainId, GrainState<AcceptorRecord> Row)>();
        for (var replica = 0; replica < ClusterFixture.SharedReplicas; replica++)
        {
            var (rowStorage, rowId) = await RowAsync(AcceptorKey.Format(replica, registerKey));
            holders.Add((AcceptorKey.Format(replica, registerKey), rowStorage, rowId, await ReadAsync(rowStorage, rowId)));
        }

        var (acceptorKey, storage, grainId, other) = holders.First(holder => holder.Row.State!.Value?.ValueAsString == "x");
        var acceptor = cluster.Client.GetGrain<IAcceptorGrain>(acceptorKey);
        await acceptor.Prepare(Ballot.Zero); // make sure the acceptor is active (a rejected prepare writes nothing)

        // A second activation of the same acceptor stores a promise through the same storage provider.
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

    [Theory]
    [InlineData(CasPaxosOptions.DefaultStorageName)]
    [InlineData(TestClusters.AdoNetStorageName)]
    public async Task Concurrent_writes_to_many_rows_all_land_and_concurrent_writes_to_one_row_land_once(string provider)
    {
        var prefix = $"r0/batch/{Guid.NewGuid():N}/";
        var rows = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => RowAsync(prefix + i, provider)));
        var states = await Task.WhenAll(rows.Select(row => ReadAsync(row.Storage, row.GrainId)));
        await Task.WhenAll(rows.Select((row, i) =>
        {
            states[i].State!.Promise = new Ballot(i + 1, 7);
            return row.Storage.WriteStateAsync(AcceptorGrain.StateName, row.GrainId, states[i]);
        }));
        for (var i = 0; i < rows.Length; i++)
        {
            var stored = await ReadAsync(rows[i].Storage, rows[i].GrainId);
            Assert.Equal(new Ballot(i + 1, 7), stored.State!.Promise);
            Assert.Equal(states[i].ETag, stored.ETag);
        }

        // Twenty writers that all read version v: exactly one may write.
        var (storage, grainId) = rows[0];
        var writers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ReadAsync(storage, grainId)));
        var outcomes = await Task.WhenAll(writers.Select(async (writer, i) =>
        {
            writer.State!.Promise = new Ballot(1000 + i, 9);
            try
            {
                await storage.WriteStateAsync(AcceptorGrain.StateName, grainId, writer);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));
        Assert.Equal(1, outcomes.Count(won => won));
        var winner = Array.IndexOf(outcomes, true);
        Assert.Equal(new Ballot(1000 + winner, 9), (await ReadAsync(storage, grainId)).State!.Promise);
    }

    private async Task<(IGrainStorage Storage, GrainId GrainId)> RowAsync(string acceptorKey, string provider = CasPaxosOptions.DefaultStorageName)
    {
        InProcessTestCluster cluster = await fixture.SharedClusterAsync();
        var storage = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredKeyedService<IGrainStorage>(provider);
        return (storage, cluster.Client.GetGrain<IAcceptorGrain>(acceptorKey).GetGrainId());
    }

    private static async Task<GrainState<AcceptorRecord>> ReadAsync(IGrainStorage storage, GrainId grainId)
    {
        var state = new GrainState<AcceptorRecord>(new AcceptorRecord());
        await storage.ReadStateAsync(AcceptorGrain.StateName, grainId, state);
        return state;
    }
}
