using System.Text;
using CasPaxos.Orleans;

namespace CasPaxos.Core.Tests;

/// <summary>The built-in change functions and the register's version rule.</summary>
public class RegisterChangeTests
{
    private static readonly RegisterLimits Limits = new() { MaxKeyBytes = 16, MaxValueBytes = 8 };

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static RegisterState State(long version, string? value) => new(version, value is null ? null : Bytes(value));

    [Fact]
    public void Read_returns_the_state_unchanged()
    {
        var state = State(3, "x");
        var result = ReadChange.Instance.ApplyTo(state, Limits);
        Assert.False(result.Applied);
        Assert.Same(state, result.State);
    }

    [Fact]
    public void Set_writes_the_value_and_adds_one_to_the_version()
    {
        var result = new SetChange(Bytes("new")).ApplyTo(State(3, "old"), Limits);
        Assert.True(result.Applied);
        Assert.Equal(State(4, "new"), result.State);
    }

    [Fact]
    public void Set_on_an_empty_register_starts_at_version_one()
    {
        var result = new SetChange(Bytes("v")).ApplyTo(RegisterState.Empty, Limits);
        Assert.Equal(State(1, "v"), result.State);
    }

    [Fact]
    public void Compare_and_set_at_the_current_version_applies()
    {
        var result = new CompareAndSetChange(3, Bytes("new")).ApplyTo(State(3, "old"), Limits);
        Assert.True(result.Applied);
        Assert.Equal(State(4, "new"), result.State);
    }

    [Fact]
    public void Compare_and_set_at_a_stale_version_is_a_miss_that_returns_the_current_state()
    {
        var state = State(5, "current");
        var result = new CompareAndSetChange(3, Bytes("new")).ApplyTo(state, Limits);
        Assert.False(result.Applied);
        Assert.Same(state, result.State);
    }

    [Fact]
    public void Compare_and_set_at_version_zero_creates_only_a_register_never_written()
    {
        Assert.True(new CompareAndSetChange(0, Bytes("a")).ApplyTo(RegisterState.Empty, Limits).Applied);
        Assert.False(new CompareAndSetChange(0, Bytes("a")).ApplyTo(State(1, "b"), Limits).Applied);
    }

    [Fact]
    public void Increment_counts_an_absent_value_as_zero()
    {
        var result = new IncrementChange(5).ApplyTo(RegisterState.Empty, Limits);
        Assert.Equal(State(1, "5"), result.State);
        Assert.Equal(5, result.State.CounterValue);
    }

    [Fact]
    public void Increment_adds_a_negative_delta_too()
    {
        var result = new IncrementChange(-10).ApplyTo(State(7, "3"), Limits);
        Assert.Equal(State(8, "-7"), result.State);
    }

    [Fact]
    public void Increment_refuses_a_value_that_is_not_a_counter()
    {
        Assert.Throws<FormatException>(() => new IncrementChange(1).ApplyTo(State(1, "abc"), Limits));
    }

    [Fact]
    public void Increment_refuses_to_overflow()
    {
        var state = new RegisterState(1, RegisterState.EncodeCounter(long.MaxValue));
        Assert.Throws<OverflowException>(() => new IncrementChange(1).ApplyTo(state, RegisterLimits.Default));
    }

    [Fact]
    public void Delete_leaves_a_tombstone_with_a_higher_version()
    {
        var result = DeleteChange.Instance.ApplyTo(State(4, "x"), Limits);
        Assert.True(result.Applied);
        Assert.Equal(State(5, null), result.State);
        Assert.False(result.State.Exists);
    }

    [Fact]
    public void Delete_of_an_absent_value_does_not_apply()
    {
        var tombstone = State(5, null);
        var result = DeleteChange.Instance.ApplyTo(tombstone, Limits);
        Assert.False(result.Applied);
        Assert.Same(tombstone, result.State);
    }

    [Fact]
    public void Set_if_absent_creates_only_when_there_is_no_value()
    {
        Assert.Equal(State(1, "a"), new SetIfAbsentChange(Bytes("a")).ApplyTo(RegisterState.Empty, Limits).State);
        Assert.Equal(State(6, "b"), new SetIfAbsentChange(Bytes("b")).ApplyTo(State(5, null), Limits).State); // after a delete
        var miss = new SetIfAbsentChange(Bytes("c")).ApplyTo(State(2, "x"), Limits);
        Assert.False(miss.Applied);
        Assert.Equal(State(2, "x"), miss.State);
    }

    [Fact]
    public void Compare_and_delete_deletes_only_at_the_expected_version()
    {
        var hit = new CompareAndDeleteChange(3).ApplyTo(State(3, "x"), Limits);
        Assert.True(hit.Applied);
        Assert.Equal(State(4, null), hit.State);
        Assert.False(new CompareAndDeleteChange(2).ApplyTo(State(3, "x"), Limits).Applied);
        Assert.False(new CompareAndDeleteChange(3).ApplyTo(State(3, null), Limits).Applied);
    }

    [Fact]
    public void A_value_over_the_limit_is_refused_before_and_after_the_change()
    {
        var tooLarge = new SetChange(new byte[9]);
        var error = Assert.Throws<ValueTooLargeException>(() => tooLarge.Validate(Limits));
        Assert.Equal((9, 8), (error.Size, error.Limit));
        Assert.Throws<ValueTooLargeException>(() => tooLarge.ApplyTo(RegisterState.Empty, Limits));
        Assert.Throws<ValueTooLargeException>(() => new CompareAndSetChange(0, new byte[9]).Validate(Limits));
        // a value that grows past the limit through a change is refused too
        Assert.Throws<ValueTooLargeException>(() => new IncrementChange(-1).ApplyTo(State(1, "-9999999"), Limits));
    }

    [Theory]
    [InlineData("")]
    [InlineData("seventeen-bytes!!")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    public void Bad_keys_are_refused_with_a_clear_error(string key)
    {
        var error = Assert.Throws<InvalidRegisterKeyException>(() => Limits.ValidateKey(key));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.True(error.DefinitelyNotApplied);
    }

    [Fact]
    public void A_key_with_an_unpaired_surrogate_is_refused()
    {
        var key = new string(['k', '\ud800', 'x']);
        Assert.Throws<InvalidRegisterKeyException>(() => Limits.ValidateKey(key));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("config/feature-x")]
    [InlineData("ключ")]
    [InlineData("emoji-\U0001F600")]
    public void Ordinary_keys_are_accepted(string key) => Limits.ValidateKey(key);

    [Fact]
    public void Register_states_compare_by_content()
    {
        Assert.Equal(State(2, "a"), State(2, "a"));
        Assert.NotEqual(State(2, "a"), State(3, "a"));
        Assert.NotEqual(State(2, "a"), State(2, null));
    }
}
