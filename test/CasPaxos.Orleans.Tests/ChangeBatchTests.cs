using System.Text;

namespace CasPaxos.Orleans.Tests;

/// <summary>How one proposal applies several callers' changes: in order, each on the state the previous one left.</summary>
public class ChangeBatchTests
{
    [Fact]
    public void Changes_apply_in_order_each_seeing_the_state_the_one_before_left()
    {
        var changes = new RegisterChange[]
        {
            new IncrementChange(5),
            new CompareAndSetChange(1, Encoding.UTF8.GetBytes("stale")), // version is 1 now: applies
            new CompareAndSetChange(1, Encoding.UTF8.GetBytes("late")), // version is 2 now: misses
            new ReadChange(),
        };

        var (next, outcomes) = ChangeBatch.Apply(changes, null, RegisterLimits.Default);

        Assert.Equal((2L, "stale"), (next.Version, next.ValueAsString));
        Assert.All(outcomes, outcome => Assert.Null(outcome.Error));
        Assert.Equal([1L, 2L, 2L, 2L], outcomes.Select(outcome => outcome.Result!.State.Version));
        Assert.Equal([true, true, false, false], outcomes.Select(outcome => outcome.Result!.Applied));
    }

    [Fact]
    public void A_change_that_throws_is_left_out_and_the_others_still_apply()
    {
        var changes = new RegisterChange[]
        {
            new SetChange(Encoding.UTF8.GetBytes("not a counter")),
            new IncrementChange(1),
            new SetChange(Encoding.UTF8.GetBytes("after")),
        };

        var (next, outcomes) = ChangeBatch.Apply(changes, RegisterState.Empty, RegisterLimits.Default);

        Assert.Null(outcomes[0].Error);
        Assert.NotNull(outcomes[1].Error);
        Assert.Null(outcomes[1].Result);
        Assert.Equal(2L, outcomes[2].Result!.State.Version);
        Assert.Equal((2L, "after"), (next.Version, next.ValueAsString));
    }
}
