using CasPaxos.History;
using static CasPaxos.Core.Tests.History.H;

namespace CasPaxos.Core.Tests.History;

public class LinearizabilityCheckerTests
{
    private static CheckResult Check(params HistoryOperation[] history) => LinearizabilityChecker.Check(history);

    [Fact]
    public void A_sequential_history_that_follows_the_rules_is_linearizable()
    {
        var result = Check(
            Read(0, 1, 0, null),
            Write(2, 3, "a", 1),
            Cas(4, 5, 1, "b", 2, "b", applied: true),
            Cas(6, 7, 1, "c", 2, "b", applied: false),
            Delete(8, 9, 3, applied: true),
            Delete(10, 11, 3, applied: false),
            Increment(12, 13, 5, 4, 5),
            Read(14, 15, 4, "5"));
        Assert.True(result.Linearizable, result.ToString());
    }

    [Fact]
    public void A_stale_read_after_a_completed_write_is_not_linearizable()
    {
        var result = Check(Write(0, 1, "a", 1), Write(2, 3, "b", 2), Read(4, 5, 1, "a"));
        Assert.False(result.Linearizable);
        Assert.False(result.Inconclusive);
        Assert.Contains("read()", result.Keys.Single().Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_concurrent_with_a_write_may_see_either_value()
    {
        Assert.True(Check(Write(0, 1, "a", 1), Write(2, 10, "b", 2), Read(3, 4, 1, "a")).Linearizable);
        Assert.True(Check(Write(0, 1, "a", 1), Write(2, 10, "b", 2), Read(3, 4, 2, "b")).Linearizable);
    }

    [Fact]
    public void Reads_may_not_go_back_in_time_even_while_a_write_is_in_flight()
    {
        var result = Check(Write(0, 1, "a", 1), Write(2, 10, "b", 2), Read(3, 4, 2, "b"), Read(5, 6, 1, "a"));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void Two_increments_that_both_saw_zero_are_a_lost_update()
    {
        var result = Check(Increment(0, 5, 1, 1, 1), Increment(1, 6, 1, 1, 1));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void A_write_of_unknown_outcome_may_have_happened()
    {
        Assert.True(Check(Write(0, null, "a", 0), Read(5, 6, 1, "a")).Linearizable);
    }

    [Fact]
    public void A_write_of_unknown_outcome_may_never_have_happened()
    {
        Assert.True(Check(Write(0, null, "a", 0), Read(5, 6, 0, null), Read(7, 8, 0, null)).Linearizable);
    }

    [Fact]
    public void An_unknown_write_cannot_take_effect_before_it_was_called()
    {
        Assert.False(Check(Read(0, 1, 1, "a"), Write(2, null, "a", 0)).Linearizable);
    }

    [Fact]
    public void A_value_nobody_wrote_is_not_linearizable()
    {
        Assert.False(Check(Write(0, 1, "a", 1), Read(2, 3, 2, "ghost")).Linearizable);
    }

    [Fact]
    public void Failed_operations_had_no_effect()
    {
        Assert.True(Check(Failed(Write(0, 1, "a", 1)), Read(2, 3, 0, null)).Linearizable);
        Assert.False(Check(Failed(Write(0, 1, "a", 1)), Read(2, 3, 1, "a")).Linearizable);
    }

    [Fact]
    public void An_increment_of_a_value_that_is_not_a_counter_cannot_have_succeeded()
    {
        Assert.False(Check(Write(0, 1, "text", 1), Increment(2, 3, 1, 2, 1)).Linearizable);
        Assert.True(Check(Write(0, 1, "text", 1), Increment(2, null, 1, 0, 0), Read(4, 5, 1, "text")).Linearizable);
    }

    [Fact]
    public void Keys_are_checked_independently_and_the_bad_one_is_named()
    {
        var result = Check(
            Write(0, 1, "a", 1, key: "good"), Read(2, 3, 1, "a", key: "good"),
            Write(0, 1, "a", 1, key: "bad"), Read(2, 3, 0, null, key: "bad"));
        Assert.False(result.Linearizable);
        var bad = Assert.Single(result.Keys, k => !k.Linearizable);
        Assert.Equal("bad", bad.Key);
        Assert.Equal(2, result.Keys.Count);
    }

    [Fact]
    public void A_version_that_skips_a_number_is_not_linearizable()
    {
        Assert.False(Check(Write(0, 1, "a", 2)).Linearizable);
    }

    [Fact]
    public void A_search_over_budget_is_inconclusive_not_a_verdict()
    {
        var concurrent = Enumerable.Range(0, 12).Select(i => Increment(0, 100, 1, i + 1, i + 1)).ToArray();
        var result = LinearizabilityChecker.Check(concurrent, budgetPerKey: 5);
        Assert.False(result.Linearizable);
        Assert.True(result.Inconclusive);
    }

    [Fact]
    public void Many_concurrent_increments_with_consistent_outputs_are_linearizable()
    {
        // 2000 increments by 8 overlapping clients; each saw the count it produced.
        var history = new List<HistoryOperation>();
        for (var i = 0; i < 2000; i++)
        {
            var call = i * 10L;
            history.Add(Increment(call, call + 75, 1, i + 1, i + 1) with { Client = i % 8 });
        }

        var result = Check([.. history]);
        Assert.True(result.Linearizable, result.ToString());
    }
}
