using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

/// <summary>
/// Thrifty accepts: an accept goes to an accept quorum first and to the other acceptors only when one of those
/// refuses, fails or is slow. Safety does not depend on which acceptors get an accept; these tests pin down that the
/// saving happens and that a missing acceptor costs at most the timeout.
/// </summary>
public class ThriftyAcceptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(20);

    private static readonly ProposerSettings Thrifty = new()
    {
        ChangeTimeout = TimeSpan.FromSeconds(1),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        ThriftyAcceptTimeout = Timeout,
    };

    private static Proposer<string> NewProposer(ProposerSettings? settings = null) => new(1, Quorum.Majority(3), settings ?? Thrifty, new Random(7));

    private static (string Next, string Result) Append(string? current) => (current + "x", "ok");

    private static int[] AcceptedBy(InMemoryAcceptors acceptors, Ballot ballot)
        => [.. Enumerable.Range(0, acceptors.States.Length).Where(replica => acceptors.States[replica].Accepted == ballot)];

    [Fact]
    public void The_accept_goes_to_the_first_F_plus_1_promisers_and_the_next_one_to_those_that_acknowledged()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();

        var first = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));
        var second = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));

        Assert.Equal((ProposalStatus.Committed, ProposalStatus.Committed), (first.Status, second.Status));
        Assert.True(second.OneRoundTrip);
        Assert.Equal("xx", second.Value);
        Assert.Equal(4, acceptors.Sent.OfType<AcceptRequest<string>>().Count()); // 2 per change instead of 3
        Assert.Equal([0, 1], AcceptedBy(acceptors, second.Ballot));
        Assert.True(acceptors.States[2].Accepted.IsZero, "the acceptor held in reserve wrote nothing");
        Assert.Equal(0, first.SpareRounds + second.SpareRounds);
    }

    [Fact]
    public void Without_thrifty_accepts_every_accept_goes_to_all_acceptors()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer(Thrifty with { ThriftyAcceptTimeout = null });

        acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));
        acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));

        Assert.Equal(6, acceptors.Sent.OfType<AcceptRequest<string>>().Count());
    }

    [Fact]
    public void A_failed_preferred_acceptor_sends_the_accept_to_the_reserve_at_once()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();
        acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));
        acceptors.Route = r => r is AcceptRequest<string> && r.Replica == 1 ? Delivery.Fail : Delivery.Deliver;

        var outcome = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal(1, outcome.SpareRounds);
        Assert.Equal(TimeSpan.Zero, acceptors.Now); // no timeout waited for
        Assert.Equal([0, 2], AcceptedBy(acceptors, outcome.Ballot));
    }

    [Fact]
    public void A_silent_preferred_acceptor_costs_the_thrifty_timeout_and_the_reserve_completes_the_quorum()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();
        acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));
        acceptors.Route = r => r is AcceptRequest<string> && r.Replica == 0 ? Delivery.Lose : Delivery.Deliver;

        var outcome = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal(Timeout, acceptors.Now);
        Assert.Equal([1, 2], AcceptedBy(acceptors, outcome.Ballot));

        var next = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));
        Assert.Equal((ProposalStatus.Committed, 0), (next.Status, next.SpareRounds)); // the silent acceptor is no longer preferred
        Assert.Equal(Timeout, acceptors.Now);
    }

    [Fact]
    public void A_preferred_acceptor_that_promised_a_competitor_sends_the_accept_to_the_reserve()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();
        var first = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));
        acceptors.CompetitorPrepares(new Ballot(first.Ballot.Counter + 5, 99), 1);

        var outcome = acceptors.Run(proposer.Propose<string>("k", Append, acceptors.Now));

        // Replica 1 refuses the one-round-trip accept; replicas 0 and 2 still form a quorum at that ballot.
        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.True(outcome.OneRoundTrip);
        Assert.Equal(1, outcome.SpareRounds);
        Assert.Equal([0, 2], AcceptedBy(acceptors, outcome.Ballot));
    }
}
