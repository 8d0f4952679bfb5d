using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

public class BallotTests
{
    [Fact]
    public void Ballots_order_by_counter_first()
    {
        Assert.True(new Ballot(2, 1) > new Ballot(1, 99));
        Assert.True(new Ballot(1, 99) < new Ballot(2, 1));
    }

    [Fact]
    public void Equal_counters_order_by_proposer_id()
    {
        Assert.True(new Ballot(5, 2) > new Ballot(5, 1));
        Assert.Equal(0, new Ballot(5, 2).CompareTo(new Ballot(5, 2)));
    }

    [Fact]
    public void The_zero_ballot_is_below_every_proposer_ballot()
    {
        Assert.True(Ballot.Zero.IsZero);
        Assert.True(Ballot.Zero < new Ballot(1, 1));
        Assert.True(Ballot.Zero < new Ballot(0, 1));
    }

    [Fact]
    public void Next_keeps_the_proposer_and_adds_one_to_the_counter()
    {
        var next = new Ballot(7, 3).Next();
        Assert.Equal(new Ballot(8, 3), next);
        Assert.True(next > new Ballot(7, long.MaxValue));
    }

    [Fact]
    public void A_clock_issues_strictly_increasing_ballots_with_its_proposer_id()
    {
        var clock = new BallotClock(42);
        var first = clock.NextBallot();
        var second = clock.NextBallot();
        Assert.Equal(42, first.ProposerId);
        Assert.True(second > first);
    }

    [Fact]
    public void Fast_forward_moves_the_next_ballot_past_the_one_that_beat_us()
    {
        var clock = new BallotClock(1);
        clock.NextBallot();
        var winner = new Ballot(1000, 7);
        clock.Observe(winner);
        Assert.True(clock.NextBallot() > winner);
    }

    [Fact]
    public void Observing_a_lower_ballot_does_not_move_the_clock_back()
    {
        var clock = new BallotClock(1);
        for (var i = 0; i < 10; i++)
        {
            clock.NextBallot();
        }

        clock.Observe(new Ballot(3, 9));
        Assert.Equal(11, clock.NextBallot().Counter);
    }

    [Fact]
    public void Proposer_id_zero_is_reserved_for_the_empty_ballot()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BallotClock(0));
    }
}
