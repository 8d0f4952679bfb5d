using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

/// <summary>The proposer's round (prepare, choose, apply, accept) and the classification of its outcomes.</summary>
public class ProposalTests
{
    private static readonly ProposerSettings Settings = new()
    {
        ChangeTimeout = TimeSpan.FromSeconds(1),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    };

    private static Proposer<string> NewProposer(long id = 1, int acceptors = 3)
        => new(id, Quorum.Majority(acceptors), Settings, new Random(12345));

    /// <summary>Increment of a counter kept as a decimal string, counting how often it ran.</summary>
    private sealed class Increment
    {
        public int Calls { get; private set; }

        public (string Next, int Result) Apply(string? current)
        {
            Calls++;
            var next = (current is null ? 0 : int.Parse(current, System.Globalization.CultureInfo.InvariantCulture)) + 1;
            return (next.ToString(System.Globalization.CultureInfo.InvariantCulture), next);
        }
    }

    [Fact]
    public void A_change_commits_after_prepare_and_accept_quorums()
    {
        var acceptors = new InMemoryAcceptors(3);
        var outcome = acceptors.Run(NewProposer().Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("1", outcome.Value);
        Assert.Equal(1, outcome.Result);
        Assert.Equal(2, outcome.Rounds);
        Assert.False(outcome.OneRoundTrip);
        Assert.Equal(3, acceptors.Sent.OfType<PrepareRequest>().Count());
        Assert.Equal(3, acceptors.Sent.OfType<AcceptRequest<string>>().Count());
    }

    [Fact]
    public void The_proposer_applies_the_change_to_the_value_with_the_highest_accepted_ballot()
    {
        var acceptors = new InMemoryAcceptors(3);
        acceptors.CompetitorAccepts(new Ballot(1, 5), "older", Lineage.Empty, 0);
        acceptors.CompetitorAccepts(new Ballot(3, 5), "newer", Lineage.Empty, 1);

        var outcome = acceptors.Run(NewProposer().Propose<string>("k", current => (current + "+x", "done"), acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("newer+x", outcome.Value);
    }

    [Fact]
    public void The_proposer_finishes_on_F_plus_1_replies_without_waiting_for_the_rest()
    {
        var acceptors = new InMemoryAcceptors(5) { Route = r => r.Replica >= 3 ? Delivery.Lose : Delivery.Deliver };
        var outcome = acceptors.Run(NewProposer(acceptors: 5).Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal(TimeSpan.Zero, acceptors.Now); // no timer had to fire
    }

    [Fact]
    public void A_throwing_change_is_not_applied_and_nothing_is_accepted()
    {
        var acceptors = new InMemoryAcceptors(3);
        acceptors.CompetitorAccepts(new Ballot(1, 5), "kept", Lineage.Empty, 0, 1, 2);

        var outcome = acceptors.Run(NewProposer().Propose<int>("k", _ => throw new InvalidOperationException("refused"), acceptors.Now));

        Assert.Equal(ProposalStatus.NotApplied, outcome.Status);
        Assert.Equal(ProposalFailure.ChangeFailed, outcome.Failure);
        Assert.IsType<InvalidOperationException>(outcome.ChangeError);
        Assert.Empty(acceptors.Sent.OfType<AcceptRequest<string>>());
        Assert.All(acceptors.States, state => Assert.Equal(("kept", new Ballot(1, 5)), (state.Value, state.Accepted)));
    }

    [Fact]
    public void Without_a_prepare_quorum_the_change_is_definitely_not_applied()
    {
        var acceptors = new InMemoryAcceptors(3) { Route = r => r.Replica == 0 ? Delivery.Deliver : Delivery.Fail };
        var outcome = acceptors.Run(NewProposer().Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.NotApplied, outcome.Status);
        Assert.Equal(ProposalFailure.NoQuorum, outcome.Failure);
        Assert.Contains("replica 2 is down", outcome.Detail, StringComparison.Ordinal);
        Assert.Empty(acceptors.Sent.OfType<AcceptRequest<string>>());
        Assert.True(acceptors.Now <= Settings.ChangeTimeout, "the proposal must give up by its deadline");
        Assert.True(acceptors.Sent.OfType<PrepareRequest>().Count() > 3, "it should retry until the deadline");
    }

    [Fact]
    public void An_accept_without_a_quorum_gives_an_unknown_outcome()
    {
        var acceptorsDown = false;
        var acceptors = new InMemoryAcceptors(3);
        acceptors.Route = r =>
        {
            acceptorsDown |= r is AcceptRequest<string>;
            return acceptorsDown && r.Replica > 0 ? Delivery.Fail : Delivery.Deliver;
        };

        var outcome = acceptors.Run(NewProposer().Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Unknown, outcome.Status);
        Assert.Equal("1", acceptors.States[0].Value); // the minority accept that may yet win
    }

    [Fact]
    public void A_retry_after_an_unconfirmed_accept_sends_the_accepted_value_again_instead_of_applying_the_change_twice()
    {
        var acceptors = new InMemoryAcceptors(3);
        // The first accept reaches replica 0 only; everything after is delivered.
        acceptors.Route = r => r is AcceptRequest<string> && r.Replica > 0 && acceptors.Sent.OfType<AcceptRequest<string>>().Count() <= 3
            ? Delivery.Fail
            : Delivery.Deliver;
        var increment = new Increment();

        var outcome = acceptors.Run(NewProposer().Propose<int>("k", increment.Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("1", outcome.Value);
        Assert.Equal(1, outcome.Result);
        Assert.Equal(1, increment.Calls);
    }

    /// <summary>
    /// Our first accept reaches replica 0 only; before our retry, a competitor commits a value at a higher ballot with
    /// <paramref name="competitorLineage"/> computed from our accept's ballot.
    /// </summary>
    private static (ProposalOutcome<string, int> Outcome, Increment Change) RetryAfterCompetitor(string competitorValue, Func<Ballot, Lineage> competitorLineage)
    {
        var acceptors = new InMemoryAcceptors(3);
        Ballot? firstAccept = null;
        acceptors.Route = r =>
        {
            if (r is AcceptRequest<string> && firstAccept is null)
            {
                firstAccept = r.Ballot;
            }

            if (r is AcceptRequest<string> && r.Ballot == firstAccept && r.Replica > 0)
            {
                return Delivery.Fail;
            }

            if (r is PrepareRequest && firstAccept is { } ours && r.Ballot > ours && acceptors.States[1].Value is null)
            {
                acceptors.CompetitorAccepts(new Ballot(ours.Counter + 5, 99), competitorValue, competitorLineage(ours), 0, 1, 2);
            }

            return Delivery.Deliver;
        };
        var increment = new Increment();
        return (acceptors.Run(NewProposer().Propose<int>("k", increment.Apply, acceptors.Now)), increment);
    }

    [Fact]
    public void A_competitor_that_built_on_our_unconfirmed_accept_commits_our_change_once()
    {
        var (outcome, change) = RetryAfterCompetitor("7", ours => Ancestors.Cut(ours));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("7", outcome.Value); // the competitor's value, which holds our increment
        Assert.Equal(1, outcome.Result); // what our increment produced when it was applied
        Assert.Equal(1, change.Calls);
    }

    [Fact]
    public void A_competitor_whose_lineage_passes_below_our_accept_lacks_our_change_which_is_applied_afresh()
    {
        var (outcome, change) = RetryAfterCompetitor("41", _ => Ancestors.Cut(new Ballot(0, 50)));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("42", outcome.Value);
        Assert.Equal(2, change.Calls);
    }

    [Fact]
    public void A_competitor_whose_whole_lineage_back_to_the_empty_register_avoids_our_accept_lacks_our_change()
    {
        var (outcome, change) = RetryAfterCompetitor("41", ours => Lineage.Empty.Descend(new Ballot(ours.Counter + 2, 98), depth: 8));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("42", outcome.Value);
        Assert.Equal(2, change.Calls);
    }

    [Fact]
    public void A_competitor_whose_lineage_is_too_short_to_tell_makes_the_outcome_unknown()
    {
        var (outcome, _) = RetryAfterCompetitor("9", ours => Ancestors.Cut(new Ballot(ours.Counter + 2, 98)));

        Assert.Equal(ProposalStatus.Unknown, outcome.Status);
        Assert.Equal(ProposalFailure.CompetingProposer, outcome.Failure);
    }

    [Fact]
    public void An_accept_refused_by_every_acceptor_is_retried_safely_and_applies_once()
    {
        var acceptors = new InMemoryAcceptors(3);
        var preempted = false;
        acceptors.Route = r =>
        {
            if (r is AcceptRequest<string> && !preempted)
            {
                preempted = true;
                acceptors.CompetitorPrepares(new Ballot(r.Ballot.Counter + 1, 99), 0, 1, 2);
            }

            return Delivery.Deliver;
        };
        var increment = new Increment();

        var outcome = acceptors.Run(NewProposer().Propose<int>("k", increment.Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("1", outcome.Value);
        Assert.True(outcome.Rejections >= 3);
        Assert.Equal(2, increment.Calls); // applied afresh, because the first value was stored nowhere
    }

    [Fact]
    public void Rejections_that_cannot_rule_out_an_earlier_copy_being_stored_keep_the_outcome_open()
    {
        var proposer = NewProposer();
        var proposal = proposer.Propose<int>("k", new Increment().Apply, TimeSpan.Zero);
        var ballot = proposal.Start(TimeSpan.Zero)[0].Ballot;
        proposal.OnPrepareReply(0, ballot, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero);
        proposal.OnPrepareReply(1, ballot, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero);
        var winner = new Ballot(ballot.Counter + 1, 99);
        foreach (var replica in new[] { 0, 1, 2 })
        {
            // e.g. the reply to a duplicated accept, processed after the first copy was stored and overtaken
            proposal.OnAcceptReply(replica, ballot, AcceptReply.Reject(winner, neverAccepted: replica != 1), TimeSpan.Zero);
        }

        proposal.Cancel();
        Assert.Equal(ProposalStatus.Unknown, proposal.Outcome!.Status);
    }

    [Fact]
    public void Over_a_transport_that_never_duplicates_every_rejection_means_not_stored()
    {
        var proposer = new Proposer<string>(1, Quorum.Majority(3), Settings with { TransportMayDuplicate = false }, new Random(1));
        var proposal = proposer.Propose<int>("k", new Increment().Apply, TimeSpan.Zero);
        var ballot = proposal.Start(TimeSpan.Zero)[0].Ballot;
        proposal.OnPrepareReply(0, ballot, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero);
        proposal.OnPrepareReply(1, ballot, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero);
        foreach (var replica in new[] { 0, 1, 2 })
        {
            proposal.OnAcceptReply(replica, ballot, AcceptReply.Reject(new Ballot(ballot.Counter + 9, 99), neverAccepted: false), TimeSpan.Zero);
        }

        proposal.Cancel();
        Assert.Equal(ProposalStatus.NotApplied, proposal.Outcome!.Status);
    }

    [Fact]
    public void Losing_every_round_to_other_proposers_until_the_deadline_is_definitely_not_applied()
    {
        var acceptors = new InMemoryAcceptors(3);
        acceptors.Route = r =>
        {
            acceptors.CompetitorPrepares(new Ballot(r.Ballot.Counter + 1, 99), r.Replica);
            return Delivery.Deliver;
        };

        var outcome = acceptors.Run(NewProposer().Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.NotApplied, outcome.Status);
        Assert.Equal(ProposalFailure.Contention, outcome.Failure);
        Assert.Empty(acceptors.Sent.OfType<AcceptRequest<string>>());
        Assert.True(acceptors.Now <= Settings.ChangeTimeout);
    }

    [Fact]
    public void A_rejection_fast_forwards_the_next_ballot_past_the_winner()
    {
        var acceptors = new InMemoryAcceptors(3);
        var winner = new Ballot(500, 99);
        acceptors.CompetitorPrepares(winner, 0, 1, 2);

        var outcome = acceptors.Run(NewProposer().Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.True(outcome.Ballot > winner);
        Assert.Equal(2, acceptors.Sent.OfType<PrepareRequest>().Select(r => r.Ballot).Distinct().Count());
    }

    [Fact]
    public void The_next_change_skips_prepare_using_the_promise_stored_with_the_last_accept()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();
        var first = acceptors.Run(proposer.Propose<int>("k", new Increment().Apply, acceptors.Now));
        acceptors.Sent.Clear();

        var second = acceptors.Run(proposer.Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, second.Status);
        Assert.True(second.OneRoundTrip);
        Assert.Equal(1, second.Rounds);
        Assert.Equal(first.Ballot.Next(), second.Ballot);
        Assert.Empty(acceptors.Sent.OfType<PrepareRequest>());
        Assert.Equal("2", second.Value);
        Assert.All(acceptors.States.Take(2), state => Assert.Equal(Lineage.Empty.Descend(first.Ballot, depth: 8), state.Lineage)); // the quorum that answered
    }

    [Fact]
    public void A_rejected_one_round_trip_falls_back_to_prepare_and_does_not_overwrite_the_newer_value()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();
        var first = acceptors.Run(proposer.Propose<int>("k", new Increment().Apply, acceptors.Now));
        acceptors.CompetitorAccepts(new Ballot(first.Ballot.Counter + 5, 99), "41", Lineage.Empty, 0, 1, 2);

        var second = acceptors.Run(proposer.Propose<int>("k", new Increment().Apply, acceptors.Now));

        Assert.Equal(ProposalStatus.Committed, second.Status);
        Assert.False(second.OneRoundTrip);
        Assert.Equal("42", second.Value);
    }

    [Fact]
    public void The_one_round_trip_promise_is_used_by_one_proposal_only()
    {
        var acceptors = new InMemoryAcceptors(3);
        var proposer = NewProposer();
        acceptors.Run(proposer.Propose<int>("k", new Increment().Apply, acceptors.Now));

        var a = proposer.Propose<int>("k", new Increment().Apply, acceptors.Now);
        var b = proposer.Propose<int>("k", new Increment().Apply, acceptors.Now);
        var aFirst = a.Start(acceptors.Now);
        var bFirst = b.Start(acceptors.Now);

        Assert.All(aFirst, r => Assert.IsType<AcceptRequest<string>>(r));
        Assert.All(bFirst, r => Assert.IsType<PrepareRequest>(r));
        Assert.True(bFirst[0].Ballot > aFirst[0].Ballot, "a fresh ballot must lie above the reserved one");
    }

    [Fact]
    public void Duplicated_replies_are_counted_once()
    {
        var proposer = NewProposer();
        var proposal = proposer.Propose<int>("k", new Increment().Apply, TimeSpan.Zero);
        var prepares = proposal.Start(TimeSpan.Zero);
        var ballot = prepares[0].Ballot;
        var promise = PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty);

        Assert.Empty(proposal.OnPrepareReply(0, ballot, promise, TimeSpan.Zero));
        Assert.Empty(proposal.OnPrepareReply(0, ballot, promise, TimeSpan.Zero));
        var accepts = proposal.OnPrepareReply(1, ballot, promise, TimeSpan.Zero);
        Assert.Equal(3, accepts.Count);

        proposal.OnAcceptReply(0, ballot, AcceptReply.Ok, TimeSpan.Zero);
        proposal.OnAcceptReply(0, ballot, AcceptReply.Ok, TimeSpan.Zero);
        Assert.Null(proposal.Outcome);
        proposal.OnAcceptReply(2, ballot, AcceptReply.Ok, TimeSpan.Zero);
        Assert.Equal(ProposalStatus.Committed, proposal.Outcome?.Status);
    }

    [Fact]
    public void Replies_from_an_earlier_round_are_ignored()
    {
        var proposer = NewProposer();
        var proposal = proposer.Propose<int>("k", new Increment().Apply, TimeSpan.Zero);
        var first = proposal.Start(TimeSpan.Zero)[0].Ballot;
        foreach (var replica in new[] { 0, 1, 2 })
        {
            proposal.OnPrepareReply(replica, first, PrepareReply<string>.Reject(new Ballot(9, 9)), TimeSpan.Zero);
        }

        var retry = proposal.OnTimer(proposal.WakeAt);
        var second = retry[0].Ballot;
        Assert.True(second > first);

        Assert.Empty(proposal.OnPrepareReply(0, first, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero));
        Assert.Empty(proposal.OnPrepareReply(1, first, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero));
        Assert.Null(proposal.Outcome);
    }

    [Fact]
    public void Cancelling_before_any_accept_is_definitely_not_applied_and_after_an_accept_is_unknown()
    {
        var proposer = NewProposer();
        var early = proposer.Propose<int>("a", new Increment().Apply, TimeSpan.Zero);
        early.Start(TimeSpan.Zero);
        early.Cancel();
        Assert.Equal((ProposalStatus.NotApplied, ProposalFailure.Cancelled), (early.Outcome!.Status, early.Outcome.Failure));

        var late = proposer.Propose<int>("b", new Increment().Apply, TimeSpan.Zero);
        var ballot = late.Start(TimeSpan.Zero)[0].Ballot;
        late.OnPrepareReply(0, ballot, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero);
        late.OnPrepareReply(1, ballot, PrepareReply<string>.Promise(Ballot.Zero, null, Lineage.Empty), TimeSpan.Zero);
        late.Cancel();
        Assert.Equal(ProposalStatus.Unknown, late.Outcome!.Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void A_register_survives_the_failure_of_F_acceptors(int n)
    {
        var faults = (n - 1) / 2;
        var acceptors = new InMemoryAcceptors(n) { Route = r => r.Replica < faults ? Delivery.Fail : Delivery.Deliver };
        var outcome = acceptors.Run(NewProposer(acceptors: n).Propose<int>("k", new Increment().Apply, acceptors.Now));
        Assert.Equal(ProposalStatus.Committed, outcome.Status);

        var tooMany = new InMemoryAcceptors(n) { Route = r => r.Replica <= faults ? Delivery.Fail : Delivery.Deliver };
        var lost = tooMany.Run(NewProposer(acceptors: n).Propose<int>("k", new Increment().Apply, tooMany.Now));
        Assert.Equal(ProposalStatus.NotApplied, lost.Status);
    }
}
