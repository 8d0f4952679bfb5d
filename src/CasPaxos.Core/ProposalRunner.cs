using System.Threading.Channels;

namespace CasPaxos.Core;

/// <summary>
/// Drives a <see cref="Proposal{TValue,TResult}"/> in real time over an <see cref="IAcceptorTransport{TValue}"/>:
/// requests fan out in parallel, replies are fed back one at a time on the caller's context, and the proposal
/// finishes as soon as it has a quorum: stragglers are abandoned, not awaited.
/// </summary>
public sealed class ProposalRunner<TValue>
    where TValue : class
{
    private readonly IAcceptorTransport<TValue> _transport;
    private readonly TimeProvider _time;
    private readonly TimeSpan _callTimeout;

    /// <param name="callTimeout">How long to wait for one acceptor before counting it as failed for the round.</param>
    public ProposalRunner(IAcceptorTransport<TValue> transport, TimeProvider time, TimeSpan callTimeout)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(callTimeout, TimeSpan.Zero);
        _transport = transport;
        _time = time;
        _callTimeout = callTimeout;
    }

    /// <summary>The monotonic time proposals are scheduled in.</summary>
    public TimeSpan Now => _time.GetElapsedTime(0);

    public async Task<ProposalOutcome<TValue, TResult>> RunAsync<TResult>(Proposal<TValue, TResult> proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var replies = Channel.CreateUnbounded<Func<TimeSpan, IReadOnlyList<AcceptorRequest>>>(
            new UnboundedChannelOptions { SingleReader = true });
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            Send(proposal, proposal.Start(Now), replies.Writer, abandon.Token);
            while (proposal.Outcome is null)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    proposal.Cancel();
                    break;
                }

                var wait = proposal.WakeAt - Now;
                if (wait > TimeSpan.Zero && !replies.Reader.TryPeek(out _))
                {
                    using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timer.CancelAfter(wait);
                    try
                    {
                        await replies.Reader.WaitToReadAsync(timer.Token).ConfigureAwait(true);
                    }
                    catch (OperationCanceledException)
                    {
                        // the wake-up time passed, or the caller cancelled: both are handled below
                    }
                }

                while (proposal.Outcome is null && replies.Reader.TryRead(out var reply))
                {
                    Send(proposal, reply(Now), replies.Writer, abandon.Token);
                }

                if (proposal.Outcome is null && cancellationToken.IsCancellationRequested)
                {
                    proposal.Cancel(); // the caller's word comes before a deadline that passed while we slept
                    break;
                }

                if (proposal.Outcome is null && Now >= proposal.WakeAt)
                {
                    Send(proposal, proposal.OnTimer(Now), replies.Writer, abandon.Token);
                }
            }

            return proposal.Outcome!;
        }
        finally
        {
            replies.Writer.TryComplete();
            await abandon.CancelAsync().ConfigureAwait(true);
        }
    }

    private void Send<TResult>(Proposal<TValue, TResult> proposal, IReadOnlyList<AcceptorRequest> requests,
        ChannelWriter<Func<TimeSpan, IReadOnlyList<AcceptorRequest>>> replies, CancellationToken abandon)
    {
        foreach (var request in requests)
        {
            _ = CallAsync(proposal, request, replies, abandon);
        }
    }

    private async Task CallAsync<TResult>(Proposal<TValue, TResult> proposal, AcceptorRequest request,
        ChannelWriter<Func<TimeSpan, IReadOnlyList<AcceptorRequest>>> replies, CancellationToken abandon)
    {
        var (replica, ballot) = (request.Replica, request.Ballot);
        // The token reaches the transport, so that a call given up on is withdrawn there too (an Orleans call stops
        // waiting for its response at once), and bounds the wait here for transports that ignore it.
        using var call = new CancellationTokenSource(_callTimeout, _time);
        using var abandoned = abandon.Register(static source => ((CancellationTokenSource)source!).Cancel(), call);
        Func<TimeSpan, IReadOnlyList<AcceptorRequest>> feed;
        try
        {
            switch (request)
            {
                case PrepareRequest prepare:
                    var promise = await _transport.PrepareAsync(proposal.Key, prepare, call.Token).WaitAsync(call.Token).ConfigureAwait(false);
                    feed = now => proposal.OnPrepareReply(replica, ballot, promise, now);
                    break;
                case AcceptRequest<TValue> accept:
                    var ack = await _transport.AcceptAsync(proposal.Key, accept, call.Token).WaitAsync(call.Token).ConfigureAwait(false);
                    feed = now => proposal.OnAcceptReply(replica, ballot, ack, now);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown request {request.GetType().Name}.");
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            return; // the proposal is over; nobody reads this reply
        }
        catch (RequestNotAppliedException notApplied)
        {
            var message = notApplied.Message;
            feed = now => proposal.OnCallFailed(request, message, now, mayHaveActed: false);
        }
        catch (Exception error) when (error is TimeoutException || (error is OperationCanceledException && call.IsCancellationRequested))
        {
            var timeout = _callTimeout;
            feed = now => proposal.OnCallFailed(request, $"no reply within {timeout.TotalMilliseconds:0} ms", now);
        }
        catch (Exception error)
        {
            var message = error.Message;
            feed = now => proposal.OnCallFailed(request, message, now);
        }

        replies.TryWrite(feed);
    }
}
