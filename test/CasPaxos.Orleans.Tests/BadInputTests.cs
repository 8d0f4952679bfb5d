namespace CasPaxos.Orleans.Tests;

/// <summary>Bad input gets a typed error and changes nothing, on the client and on the silo.</summary>
[Collection(PostgresClusters.Name)]
public class BadInputTests(ClusterFixture fixture)
{
    /// <summary>The external client (checks before sending) and a silo's own grain factory (the silo's checks alone).</summary>
    private async Task<IGrainFactory[]> CallersAsync()
    {
        var cluster = await fixture.SharedClusterAsync();
        return [cluster.Client, cluster.GrainFactoryOf(cluster.Silos[0])];
    }

    [Fact]
    public async Task An_empty_key_is_refused()
    {
        // Orleans itself refuses to make a reference to a grain with an empty or blank key.
        foreach (var caller in await CallersAsync())
        {
            var error = Assert.Throws<ArgumentException>(() => caller.GetGrain<IRegisterGrain>(""));
            Assert.Equal("primaryKey", error.ParamName);
        }

        Assert.Throws<InvalidRegisterKeyException>(() => RegisterLimits.Default.ValidateKey(""));
    }

    [Fact]
    public async Task An_oversized_key_is_refused_and_nothing_is_stored_under_it()
    {
        var key = new string('k', RegisterLimits.DefaultMaxKeyBytes + 1);
        foreach (var caller in await CallersAsync())
        {
            var error = await Assert.ThrowsAsync<InvalidRegisterKeyException>(() => caller.GetGrain<IRegisterGrain>(key).SetAsync("x"));
            Assert.Contains("257 bytes", error.Message, StringComparison.Ordinal);
        }

        await using var connection = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM caspaxos_grain_state WHERE grain_id_ext LIKE '%' || @key", connection);
        count.Parameters.AddWithValue("key", key);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_key_with_control_characters_is_refused()
    {
        foreach (var caller in await CallersAsync())
        {
            await Assert.ThrowsAsync<InvalidRegisterKeyException>(() => caller.GetGrain<IRegisterGrain>("line\nbreak").ReadAsync());
        }
    }

    [Fact]
    public async Task A_value_over_the_limit_is_refused_and_the_register_keeps_its_value()
    {
        var key = "bad-input/" + Guid.NewGuid().ToString("N");
        var callers = await CallersAsync();
        await callers[0].GetGrain<IRegisterGrain>(key).SetAsync("small");
        foreach (var caller in callers)
        {
            var register = caller.GetGrain<IRegisterGrain>(key);
            var error = await Assert.ThrowsAsync<ValueTooLargeException>(() => register.SetAsync(new byte[RegisterLimits.DefaultMaxValueBytes + 1]));
            Assert.Equal(RegisterLimits.DefaultMaxValueBytes, error.Limit);
            await Assert.ThrowsAsync<ValueTooLargeException>(() => register.CompareAndSetAsync(1, new byte[RegisterLimits.DefaultMaxValueBytes + 1]));
        }

        var state = await callers[0].GetGrain<IRegisterGrain>(key).ReadAsync();
        Assert.Equal((1L, "small"), (state.Version, state.ValueAsString));
    }

    [Fact]
    public async Task A_value_at_the_limit_is_stored()
    {
        var key = "bad-input/" + Guid.NewGuid().ToString("N");
        var register = (await CallersAsync())[1].GetGrain<IRegisterGrain>(key);
        var value = new byte[RegisterLimits.DefaultMaxValueBytes];
        Random.Shared.NextBytes(value);
        await register.SetAsync(value);
        Assert.Equal(value, (await register.ReadAsync()).Value);
    }

    [Fact]
    public async Task Compare_and_set_on_a_stale_version_is_a_miss_not_an_error()
    {
        var key = "bad-input/" + Guid.NewGuid().ToString("N");
        var register = (await CallersAsync())[0].GetGrain<IRegisterGrain>(key);
        await register.SetAsync("one");
        await register.SetAsync("two");
        var miss = await register.CompareAndSetAsync(1, "stale");
        Assert.False(miss.Applied);
        Assert.Equal((2L, "two"), (miss.State.Version, miss.State.ValueAsString));
    }

    [Fact]
    public async Task An_increment_that_would_overflow_fails_and_changes_nothing()
    {
        var key = "bad-input/" + Guid.NewGuid().ToString("N");
        var register = (await CallersAsync())[0].GetGrain<IRegisterGrain>(key);
        await register.IncrementAsync(long.MaxValue);
        var error = await Assert.ThrowsAsync<ChangeFailedException>(() => register.IncrementAsync());
        Assert.Equal(nameof(OverflowException), error.ErrorType);
        Assert.Equal(long.MaxValue, (await register.ReadAsync()).CounterValue);
    }
}
