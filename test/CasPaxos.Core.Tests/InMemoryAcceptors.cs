using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

/// <summary>What happens to one request in <see cref="InMemoryAcceptors"/>.</summary>
internal enum Delivery
{
    Deliver,

    /// <summary>The call fails without reaching the acceptor.</summary>
    Fail,

    /// <summary>The request is lost and never answered.</summary>
    Lose,
}

/// <summary>
/// N acceptors in memory that answer requests synchronously and in order, with a hook to fail or lose requests and
/// to let a competing proposer act before a request arrives. Virtual time jumps to the proposal's wake-up time
/// whenever nothing is in flight.
/// </summary>
internal sealed class InMemoryAcceptors(int count)
{
    public AcceptorState<string>[] States { get; } = Enumerable.Repeat(AcceptorState<string>.Initial, count).ToArray();

    /// <summary>Every request the proposal emitted, in order (whether or not it was delivered yet).</summary>
    public List<AcceptorRequest> Sent { get; } = [];

    public Func<AcceptorRequest, Delivery> Route { get; set; } = _ => Delivery.Deliver;

    public TimeSpan Now { get; private set; }

    public ProposalOutcome<string, TResult> Run<TResult>(Proposal<string, TResult> proposal)
    {
        var queue = new Queue<AcceptorRequest>();
        Enqueue(queue, proposal.Start(Now));
        while (proposal.Outcome is null)
        {
            if (queue.Count == 0)
            {
                Now = proposal.WakeAt;
                Enqueue(queue, proposal.OnTimer(Now));
                continue;
            }

            var request = queue.Dequeue();
            switch (Route(request))
            {
                case Delivery.Lose:
                    break;
                case Delivery.Fail:
                    Enqueue(queue, proposal.OnCallFailed(request, $"replica {request.Replica} is down", Now));
                    break;
                default:
                    Enqueue(queue, Deliver(proposal, request));
                    break;
            }
        }

        return proposal.Outcome;
    }

    /// <summary>What a competing proposer that prepared (and optionally accepted) on some acceptors leaves behind.</summary>
    public void CompetitorPrepares(Ballot ballot, params int[] replicas)
    {
        foreach (var replica in replicas)
        {
            States[replica] = States[replica] with { Promise = ballot };
        }
    }

    public void CompetitorAccepts(Ballot ballot, string value, Lineage lineage, params int[] replicas)
    {
        foreach (var replica in replicas)
        {
            States[replica] = new AcceptorState<string>(ballot.Next(), ballot, value, lineage);
        }
    }

    private IReadOnlyList<AcceptorRequest> Deliver<TResult>(Proposal<string, TResult> proposal, AcceptorRequest request)
    {
        var replica = request.Replica;
        switch (request)
        {
            case PrepareRequest:
                var promise = Acceptor.Prepare(States[replica], request.Ballot);
                States[replica] = promise.NextState ?? States[replica];
                return proposal.OnPrepareReply(replica, request.Ballot, promise.Reply, Now);
            case AcceptRequest<string> accept:
                var ack = Acceptor.Accept(States[replica], request.Ballot, accept.Value, accept.Lineage);
                States[replica] = ack.NextState ?? States[replica];
                return proposal.OnAcceptReply(replica, request.Ballot, ack.Reply, Now);
            default:
                throw new InvalidOperationException(request.GetType().Name);
        }
    }

    private void Enqueue(Queue<AcceptorRequest> queue, IReadOnlyList<AcceptorRequest> requests)
    {
        foreach (var request in requests)
        {
            Sent.Add(request);
            queue.Enqueue(request);
        }
    }
}
