using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

/// <summary>The acceptor's two transitions, step by step as the paper states them.</summary>
public class AcceptorTests
{
    private static readonly Ballot B1 = new(1, 1);
    private static readonly Ballot B2 = new(2, 1);
    private static readonly Ballot B5 = new(5, 2);

    [Fact]
    public void Prepare_on_a_fresh_acceptor_promises_and_reports_nothing_accepted()
    {
        var decision = Acceptor.Prepare(AcceptorState<string>.Initial, B1);
        Assert.True(decision.Reply.Promised);
        Assert.Equal(Ballot.Zero, decision.Reply.Accepted);
        Assert.Null(decision.Reply.Value);
        Assert.Equal(new AcceptorState<string>(B1, Ballot.Zero, null, Lineage.Empty), decision.NextState);
    }

    [Fact]
    public void Prepare_reports_the_previously_accepted_ballot_value_and_lineage()
    {
        var lineage = Ancestors.Cut(B1);
        var state = new AcceptorState<string>(B2.Next(), B2, "x", lineage);
        var decision = Acceptor.Prepare(state, B5);
        Assert.True(decision.Reply.Promised);
        Assert.Equal(B2, decision.Reply.Accepted);
        Assert.Equal("x", decision.Reply.Value);
        Assert.Equal(lineage, decision.Reply.Lineage);
        Assert.Equal(state with { Promise = B5 }, decision.NextState);
    }

    [Fact]
    public void Prepare_at_or_below_the_promise_is_rejected_with_the_promise_and_changes_nothing()
    {
        var state = new AcceptorState<string>(B5, Ballot.Zero, null, Lineage.Empty);
        foreach (var ballot in new[] { B1, B5 })
        {
            var decision = Acceptor.Prepare(state, ballot);
            Assert.False(decision.Reply.Promised);
            Assert.Equal(B5, decision.Reply.RejectedBy);
            Assert.Null(decision.NextState);
        }
    }

    [Fact]
    public void Prepare_at_or_below_the_accepted_ballot_is_rejected()
    {
        var state = new AcceptorState<string>(Ballot.Zero, B2, "x", Lineage.Empty); // promise lower than accepted cannot arise; the check must not rely on it
        var decision = Acceptor.Prepare(state, B2);
        Assert.False(decision.Reply.Promised);
        Assert.Equal(B2, decision.Reply.RejectedBy);
    }

    [Fact]
    public void Accept_at_the_promised_ballot_stores_the_value_and_promises_the_next_ballot()
    {
        var state = new AcceptorState<string>(B2, B1, "old", Lineage.Empty);
        var decision = Acceptor.Accept(state, B2, "new", Lineage.Empty);
        Assert.True(decision.Reply.Accepted);
        Assert.Equal(new AcceptorState<string>(B2.Next(), B2, "new", Lineage.Empty), decision.NextState);
    }

    [Fact]
    public void Accept_stores_the_lineage_with_the_value()
    {
        var lineage = Ancestors.Cut(B1);
        var decision = Acceptor.Accept(new AcceptorState<string>(B2, Ballot.Zero, null, Lineage.Empty), B2, "v", lineage);
        Assert.Equal(lineage, decision.NextState!.Lineage);
    }

    [Fact]
    public void Accept_above_the_promise_is_accepted_without_a_prepare_at_this_acceptor()
    {
        var decision = Acceptor.Accept(AcceptorState<string>.Initial, B5, "v", Lineage.Empty);
        Assert.True(decision.Reply.Accepted);
        Assert.Equal(B5.Next(), decision.NextState!.Promise);
    }

    [Fact]
    public void Accept_below_the_promise_is_rejected_with_the_promise()
    {
        var state = new AcceptorState<string>(B5, Ballot.Zero, null, Lineage.Empty);
        var decision = Acceptor.Accept(state, B2, "v", Lineage.Empty);
        Assert.False(decision.Reply.Accepted);
        Assert.Equal(B5, decision.Reply.RejectedBy);
        Assert.Null(decision.NextState);
    }

    [Fact]
    public void A_repeated_accept_of_the_accepted_ballot_is_acknowledged_without_a_write()
    {
        var accepted = Acceptor.Accept(new AcceptorState<string>(B2, Ballot.Zero, null, Lineage.Empty), B2, "v", Lineage.Empty).NextState!;
        var again = Acceptor.Accept(accepted, B2, "v", Lineage.Empty);
        Assert.True(again.Reply.Accepted);
        Assert.Null(again.NextState);
    }

    [Fact]
    public void A_rejection_says_whether_the_ballot_can_ever_have_been_stored()
    {
        // Promised above the request and accepted below it: this ballot was never stored here and never will be.
        var promised = new AcceptorState<string>(B5, B1, "old", Lineage.Empty);
        var refused = Acceptor.Accept(promised, B2, "v", Lineage.Empty);
        Assert.False(refused.Reply.Accepted);
        Assert.True(refused.Reply.NeverAccepted);

        // Accepted above the request: a delayed copy of an accept it may well have stored before moving on.
        var movedOn = new AcceptorState<string>(B5.Next(), B5, "new", Lineage.Empty);
        var late = Acceptor.Accept(movedOn, B2, "v", Lineage.Empty);
        Assert.False(late.Reply.Accepted);
        Assert.False(late.Reply.NeverAccepted);
    }

    [Fact]
    public void After_an_accept_the_same_proposer_may_accept_its_next_ballot_directly()
    {
        var afterFirst = Acceptor.Accept(new AcceptorState<string>(B2, Ballot.Zero, null, Lineage.Empty), B2, "1", Lineage.Empty).NextState!;
        var second = Acceptor.Accept(afterFirst, B2.Next(), "2", Lineage.Empty);
        Assert.True(second.Reply.Accepted);
        Assert.Equal(new AcceptorState<string>(B2.Next().Next(), B2.Next(), "2", Lineage.Empty), second.NextState);
    }

    [Fact]
    public void After_an_accept_another_proposer_must_prepare_above_the_stored_promise()
    {
        var afterAccept = Acceptor.Accept(new AcceptorState<string>(B2, Ballot.Zero, null, Lineage.Empty), B2, "1", Lineage.Empty).NextState!;
        var sameCounterHigherId = new Ballot(B2.Counter, 9); // above B2, below the stored promise B2.Next()
        Assert.False(Acceptor.Prepare(afterAccept, sameCounterHigherId).Reply.Promised);
        Assert.False(Acceptor.Prepare(afterAccept, B2.Next()).Reply.Promised);
        Assert.True(Acceptor.Prepare(afterAccept, new Ballot(B2.Counter + 1, 9)).Reply.Promised);
    }
}
