using CasPaxos.Postgres.Local;

namespace CasPaxos.Orleans.Tests;

/// <summary>A database that is down at call time gives typed failures; the register comes back intact.</summary>
[Collection(PostgresClusters.Name)]
public class DatabaseOutageTests
{
    [Fact]
    public async Task A_change_while_the_database_is_down_definitely_fails_and_changes_nothing()
    {
        await using var database = await LocalPostgres.StartAsync();
        await CasPaxosSchema.ApplyAsync(database.ConnectionString);
        await using var cluster = await TestClusters.StartAsync(database.ConnectionString, silos: 3, replicas: 3,
            configure: options => options.ChangeTimeout = TimeSpan.FromSeconds(2));
        var register = cluster.Client.GetGrain<IRegisterGrain>("outage/register");
        await register.SetAsync("before");
        await register.SetAsync("still before"); // the proposer now holds a one-round-trip promise: the next change goes straight to accept

        await database.StopAsync();
        // Writes on pooled connections that the shutdown broke cannot prove they were not committed, so the first
        // failures may be "unknown"; once connections are refused, the failure is definite.
        RegisterUnavailableException? definite = null;
        for (var attempt = 0; attempt < 10 && definite is null; attempt++)
        {
            var error = await Assert.ThrowsAnyAsync<CasPaxosException>(() => register.SetAsync("during"));
            definite = error as RegisterUnavailableException;
            Assert.True(definite is not null || error is ChangeOutcomeUnknownException, $"unexpected {error.GetType().Name}: {error.Message}");
        }

        Assert.NotNull(definite);
        Assert.True(definite.DefinitelyNotApplied);
        Assert.Contains("refused", definite.Message, StringComparison.OrdinalIgnoreCase);

        await database.RestartAsync();
        var state = await Eventually.Get(async () =>
        {
            try
            {
                return await register.ReadAsync();
            }
            catch (RegisterUnavailableException)
            {
                return null; // acceptors deactivated by the outage are reactivating
            }
        }, TimeSpan.FromSeconds(30), "the register to answer after the database came back");
        Assert.Equal((2L, "still before"), (state.Version, state.ValueAsString));
        Assert.Equal(3, (await register.SetAsync("after")).Version);
    }
}
