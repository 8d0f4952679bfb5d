using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

public class LineageTests
{
    [Fact]
    public void A_value_computed_from_the_empty_register_has_no_ancestors_and_reaches_below_everything()
    {
        var lineage = Ancestors.Cut(new Ballot(3, 3)).Descend(Ballot.Zero, 8);
        Assert.Same(Lineage.Empty, lineage);
        Assert.True(lineage.ReachesBelow(new Ballot(1, 1)));
    }

    [Fact]
    public void A_run_of_one_round_trip_commits_takes_one_entry()
    {
        var lineage = Lineage.Empty;
        for (var counter = 10; counter <= 500; counter++)
        {
            lineage = lineage.Descend(new Ballot(counter, 7), depth: 2);
        }

        Assert.Equal([new LineageRun(7, 10, 500)], lineage.Runs);
        Assert.True(lineage.ReachesEmptyRegister);
        Assert.True(lineage.Contains(new Ballot(250, 7)));
        Assert.False(lineage.Contains(new Ballot(250, 8)));
        Assert.False(lineage.Contains(new Ballot(501, 7)));
    }

    [Fact]
    public void Descending_keeps_the_newest_runs_and_remembers_the_cut()
    {
        var lineage = Lineage.Empty;
        for (var counter = 1; counter <= 5; counter++)
        {
            lineage = lineage.Descend(new Ballot(counter, counter % 2 + 1), depth: 3); // alternating proposers: one run each
        }

        Assert.Equal([new Ballot(5, 2), new Ballot(4, 1), new Ballot(3, 2)], lineage.Runs.Select(run => run.Newest));
        Assert.False(lineage.ReachesEmptyRegister);
        Assert.True(lineage.ReachesBelow(new Ballot(4, 0)));
        Assert.False(lineage.ReachesBelow(new Ballot(3, 2)));
        Assert.False(lineage.ReachesBelow(new Ballot(1, 1)));
    }

    [Fact]
    public void Runs_must_be_strictly_decreasing()
    {
        Assert.Throws<ArgumentException>(() => Ancestors.Cut(new Ballot(1, 1), new Ballot(2, 1)));
        Assert.Throws<ArgumentException>(() => Ancestors.Cut(new Ballot(1, 1), new Ballot(1, 1)));
        Assert.Throws<ArgumentException>(() => Lineage.FromRuns([new LineageRun(1, 5, 4)], reachesEmptyRegister: false));
    }

    [Fact]
    public void Lineages_compare_by_content()
    {
        Assert.Equal(Ancestors.Cut(new Ballot(2, 1)), Ancestors.Cut(new Ballot(2, 1)));
        Assert.NotEqual(Ancestors.Cut(new Ballot(2, 1)), Lineage.Empty.Descend(new Ballot(2, 1), 8));
    }
}
