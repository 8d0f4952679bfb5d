using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

/// <summary>The real-time driver: parallel fan-out, no waiting for stragglers, failures and timeouts per call.</summary>
public class ProposalRunnerTests
{
    private static readonly ProposerSettings Settings = new()
    {
        ChangeTimeout = TimeSpan.FromSeconds(2), // long enough for the 30 ms call timeouts to fire first on a loaded machine
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(10),
    };

    private sealed class ScriptedTransport(Func<int, bool> hangs, Func<int, bool> fails) : IAcceptorTransport<string>
    {
        private readonly object _lock = new();
        private readonly AcceptorState<string>[] _states = Enumerable.Repeat(AcceptorState<string>.Initial, 3).ToArray();

        public int Calls;

        public async Task<PrepareReply<string>> PrepareAsync(string key, PrepareRequest request, CancellationToken cancellationToken)
        {
            await Behave(request.Replica);
            lock (_lock)
            {
                var decision = Acceptor.Prepare(_states[request.Replica], request.Ballot);
                _states[request.Replica] = decision.NextState ?? _states[request.Replica];
                return decision.Reply;
            }
        }

        public async Task<AcceptReply> AcceptAsync(string key, AcceptRequest<string> request, CancellationToken cancellationToken)
        {
            await Behave(request.Replica);
            lock (_lock)
            {
                var decision = Acceptor.Accept(_states[request.Replica], request.Ballot, request.Value, request.Lineage);
                _states[request.Replica] = decision.NextState ?? _states[request.Replica];
                return decision.Reply;
            }
        }

        private async Task Behave(int replica)
        {
            Interlocked.Increment(ref Calls);
            await Task.Yield();
            if (hangs(replica))
            {
                await Task.Delay(Timeout.Infinite);
            }

            if (fails(replica))
            {
                throw new InvalidOperationException($"replica {replica} storage is down");
            }
        }
    }

    private static Task<ProposalOutcome<string, string>> Run(IAcceptorTransport<string> transport, TimeSpan callTimeout, CancellationToken cancellationToken = default)
    {
        var proposer = new Proposer<string>(1, Quorum.Majority(3), Settings, new Random(1));
        var runner = new ProposalRunner<string>(transport, TimeProvider.System, callTimeout);
        return runner.RunAsync(proposer.Propose<string>("k", current => (current + "x", "ok"), runner.Now), cancellationToken);
    }

    [Fact]
    public async Task Commits_on_a_quorum_while_one_acceptor_never_answers()
    {
        var outcome = await Run(new ScriptedTransport(hangs: r => r == 2, fails: _ => false), TimeSpan.FromSeconds(30));
        Assert.Equal(ProposalStatus.Committed, outcome.Status);
        Assert.Equal("x", outcome.Value);
    }

    [Fact]
    public async Task Failed_calls_count_against_the_quorum_and_name_their_cause()
    {
        var outcome = await Run(new ScriptedTransport(hangs: _ => false, fails: r => r > 0), TimeSpan.FromSeconds(30));
        Assert.Equal(ProposalStatus.NotApplied, outcome.Status);
        Assert.Equal(ProposalFailure.NoQuorum, outcome.Failure);
        Assert.Contains("storage is down", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_a_reply_within_the_call_timeout_counts_as_failed()
    {
        var outcome = await Run(new ScriptedTransport(hangs: r => r > 0, fails: _ => false), TimeSpan.FromMilliseconds(30));
        Assert.Equal(ProposalStatus.NotApplied, outcome.Status);
        Assert.Contains("no reply within 30 ms", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_before_the_accept_is_definitely_not_applied()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var outcome = await Run(new ScriptedTransport(hangs: r => r > 0, fails: _ => false), TimeSpan.FromSeconds(30), cancel.Token);
        Assert.Equal(ProposalStatus.NotApplied, outcome.Status);
        Assert.Equal(ProposalFailure.Cancelled, outcome.Failure);
    }
}
