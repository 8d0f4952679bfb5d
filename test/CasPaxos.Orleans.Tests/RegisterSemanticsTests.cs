namespace CasPaxos.Orleans.Tests;

/// <summary>read / set / compare-and-set / increment / delete as the README documents them, on a five-silo cluster.</summary>
[Collection(PostgresClusters.Name)]
public class RegisterSemanticsTests(ClusterFixture fixture)
{
    private static string NewKey() => "semantics/" + Guid.NewGuid().ToString("N");

    private async Task<IRegisterGrain> RegisterAsync(string key) => (await fixture.SharedClusterAsync()).Client.GetGrain<IRegisterGrain>(key);

    [Fact]
    public async Task A_register_never_written_reads_as_version_zero_without_a_value()
    {
        var state = await (await RegisterAsync(NewKey())).ReadAsync();
        Assert.Equal(0, state.Version);
        Assert.False(state.Exists);
    }

    [Fact]
    public async Task Set_writes_and_each_write_adds_one_to_the_version()
    {
        var register = await RegisterAsync(NewKey());
        Assert.Equal((1L, "a"), Pair(await register.SetAsync("a")));
        Assert.Equal((2L, "b"), Pair(await register.SetAsync("b")));
        Assert.Equal((2L, "b"), Pair(await register.ReadAsync()));
    }

    [Fact]
    public async Task Compare_and_set_applies_at_the_current_version_and_misses_at_a_stale_one()
    {
        var register = await RegisterAsync(NewKey());
        var created = await register.CompareAndSetAsync(0, "first");
        Assert.True(created.Applied);
        Assert.Equal((1L, "first"), Pair(created.State));

        var hit = await register.CompareAndSetAsync(1, "second");
        Assert.True(hit.Applied);
        Assert.Equal((2L, "second"), Pair(hit.State));

        var miss = await register.CompareAndSetAsync(1, "stale");
        Assert.False(miss.Applied);
        Assert.Equal((2L, "second"), Pair(miss.State));
        Assert.Equal((2L, "second"), Pair(await register.ReadAsync()));
    }

    [Fact]
    public async Task Increment_counts_from_zero_and_returns_the_new_count()
    {
        var register = await RegisterAsync(NewKey());
        Assert.Equal(1, await register.IncrementAsync());
        Assert.Equal(11, await register.IncrementAsync(10));
        Assert.Equal(8, await register.IncrementAsync(-3));
        var state = await register.ReadAsync();
        Assert.Equal((3L, "8"), Pair(state));
    }

    [Fact]
    public async Task Increment_of_a_value_that_is_not_a_counter_fails_and_changes_nothing()
    {
        var register = await RegisterAsync(NewKey());
        await register.SetAsync("not a number");
        var error = await Assert.ThrowsAsync<ChangeFailedException>(() => register.IncrementAsync());
        Assert.Equal(nameof(IncrementChange), error.ChangeType);
        Assert.Equal(nameof(FormatException), error.ErrorType);
        Assert.True(error.DefinitelyNotApplied);
        Assert.Equal((1L, "not a number"), Pair(await register.ReadAsync()));
    }

    [Fact]
    public async Task Delete_leaves_a_tombstone_with_a_new_version_and_a_second_delete_does_not_apply()
    {
        var register = await RegisterAsync(NewKey());
        await register.SetAsync("doomed");
        var deleted = await register.DeleteAsync();
        Assert.True(deleted.Applied);
        Assert.Equal(2, deleted.State.Version);
        Assert.False(deleted.State.Exists);

        var again = await register.DeleteAsync();
        Assert.False(again.Applied);
        Assert.Equal(2, again.State.Version);

        var recreated = await register.SetAsync("back");
        Assert.Equal((3L, "back"), Pair(recreated));
    }

    [Fact]
    public async Task A_write_proposed_on_one_silo_is_read_by_the_proposers_of_every_other_silo()
    {
        var cluster = await fixture.SharedClusterAsync();
        var key = NewKey();
        var silos = cluster.Silos.ToArray();
        for (var i = 0; i < silos.Length; i++)
        {
            var writer = cluster.GrainFactoryOf(silos[i]).GetGrain<IRegisterGrain>(key);
            await writer.SetAsync($"from silo {i}");
            foreach (var reader in silos)
            {
                var state = await cluster.GrainFactoryOf(reader).GetGrain<IRegisterGrain>(key).ReadAsync();
                Assert.Equal((i + 1L, $"from silo {i}"), Pair(state));
            }
        }
    }

    private static (long Version, string? Value) Pair(RegisterState state) => (state.Version, state.ValueAsString);
}
