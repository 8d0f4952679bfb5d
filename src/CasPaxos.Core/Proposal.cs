namespace CasPaxos.Core;

/// <summary>
/// One change carried through prepare and accept rounds until an outcome, as a state machine: each input
/// (a reply, a failed call, the passing of time) returns the requests to send. A driver delivers requests and
/// replies, and calls <see cref="OnTimer"/> once <see cref="WakeAt"/> has passed.
/// </summary>
/// <remarks>
/// Retrying after an accept was sent is where implementations lose linearizability: an accept that reached
/// only a minority can still be adopted by another proposer, so the change must never be applied a second time
/// on top of a state that already contains it. A retry therefore looks at the highest accepted value among the
/// promises, at ballot h with lineage L: if h or an ancestor in L is one of this proposal's own accepts, the value
/// already holds the change and is accepted again unchanged; if h, or the oldest ancestor in L, lies below every
/// own accept that may be stored somewhere, the value certainly lacks the change, which is applied afresh
/// (committing above those accepts makes them unreachable); otherwise the lineage is too short to tell, and the
/// outcome is unknown.
/// <para>
/// Thrifty accepts (<see cref="ProposerSettings.ThriftyAcceptTimeout"/>): an accept goes first to an accept quorum of
/// acceptors known to answer (those that confirmed the cached commit, or the first to promise), and to the others
/// only when one of those refuses or fails, or the timeout passes. Which acceptors receive an accept never matters
/// for safety; it saves N - F - 1 durable writes per change.
/// </para>
/// </remarks>
public sealed class Proposal<TValue, TResult>
    where TValue : class
{
    private static readonly IReadOnlyList<AcceptorRequest> NoRequests = [];

    private readonly Proposer<TValue> _proposer;
    private readonly ChangeFunction<TValue, TResult> _change;
    private readonly Quorum _quorum;
    private readonly int _lineageDepth;
    private readonly bool _transportMayDuplicate;
    private readonly TimeSpan _deadline;
    private readonly Proposer<TValue>.Committed? _cached;
    private readonly bool[] _answered;
    private readonly bool[] _asked;
    private readonly List<int> _grantedBy = [];
    private readonly Dictionary<Ballot, (TValue Value, TResult Result)> _sentAccepts = [];

    private Phase _phase = Phase.NotStarted;
    private Ballot _ballot;
    private int _asks;
    private TimeSpan _sparesAt = TimeSpan.MaxValue;
    private int _spareRounds;
    private int _granted;
    private int _rejected;
    private int _failed;
    private int _maybeStored;
    private Ballot _highestAccepted;
    private TValue? _highestValue;
    private Lineage _highestLineage = Lineage.Empty;
    private TValue? _proposedValue;
    private TResult? _proposedResult;
    private Lineage _proposedLineage = Lineage.Empty;
    private Ballot? _oldestPossiblyStored;
    private TimeSpan _backoffUntil;
    private int _lostRounds;
    private int _rounds;
    private int _rejections;
    private ProposalFailure _lastLoss = ProposalFailure.NoQuorum;
    private string? _lastCallError;

    internal Proposal(Proposer<TValue> proposer, string key, ChangeFunction<TValue, TResult> change, TimeSpan now, Proposer<TValue>.Committed? cached)
    {
        _proposer = proposer;
        _change = change;
        _quorum = proposer.Quorum;
        _lineageDepth = proposer.Settings.LineageDepth;
        _transportMayDuplicate = proposer.Settings.TransportMayDuplicate;
        _deadline = now + proposer.Settings.ChangeTimeout;
        _cached = cached;
        _answered = new bool[_quorum.Acceptors];
        _asked = new bool[_quorum.Acceptors];
        Key = key;
    }

    private enum Phase
    {
        NotStarted,
        Preparing,
        Accepting,
        BackingOff,
        Done,
    }

    public string Key { get; }

    /// <summary>Set once the proposal has finished.</summary>
    public ProposalOutcome<TValue, TResult>? Outcome { get; private set; }

    /// <summary>The ballot of the round in progress.</summary>
    public Ballot CurrentBallot => _ballot;

    /// <summary>Whether an accept carrying this change was ever sent: until then, abandoning it cannot apply it.</summary>
    public bool AcceptSent => _sentAccepts.Count > 0;

    /// <summary>When the driver must next call <see cref="OnTimer"/>: the end of a backoff, the thrifty timeout, or the deadline.</summary>
    public TimeSpan WakeAt => _phase switch
    {
        Phase.BackingOff when _backoffUntil < _deadline => _backoffUntil,
        Phase.Accepting when _sparesAt < _deadline => _sparesAt,
        _ => _deadline,
    };

    public IReadOnlyList<AcceptorRequest> Start(TimeSpan now)
    {
        if (_phase != Phase.NotStarted)
        {
            throw new InvalidOperationException("A proposal starts once.");
        }

        if (_cached is { } cached)
        {
            // One round trip: the acceptors stored the promise cached.Ballot.Next() with our last accept.
            return ApplyAndAccept(cached.Ballot.Next(), cached.Value, cached.Lineage.Descend(cached.Ballot, _lineageDepth), cached.Acknowledged, now);
        }

        return BeginPrepare();
    }

    public IReadOnlyList<AcceptorRequest> OnPrepareReply(int replica, Ballot ballot, PrepareReply<TValue> reply, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!TakeAnswer(Phase.Preparing, replica, ballot))
        {
            return NoRequests;
        }

        if (reply.Promised)
        {
            _granted++;
            _grantedBy.Add(replica);
            if (reply.Accepted > _highestAccepted)
            {
                _highestAccepted = reply.Accepted;
                _highestValue = reply.Value;
                _highestLineage = reply.Lineage;
            }

            return _granted == _quorum.Prepare ? ChooseValue(now) : NoRequests;
        }

        NoteRejection(reply.RejectedBy);
        return PrepareLostIfHopeless(now);
    }

    public IReadOnlyList<AcceptorRequest> OnAcceptReply(int replica, Ballot ballot, AcceptReply reply, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!TakeAnswer(Phase.Accepting, replica, ballot))
        {
            return NoRequests;
        }

        if (reply.Accepted)
        {
            _granted++;
            _grantedBy.Add(replica);
            if (_granted == _quorum.Accept)
            {
                Commit();
                return NoRequests;
            }

            return AcceptLostIfHopeless(now);
        }

        NoteRejection(reply.RejectedBy);
        if (!reply.NeverAccepted && _transportMayDuplicate)
        {
            _maybeStored++;
        }

        return AcceptLostIfHopeless(now);
    }

    /// <summary>
    /// A request got no reply: the transport failed or timed out. Unless <paramref name="mayHaveActed"/> is false
    /// (the request certainly never took effect, say the acceptor's database refused the connection), the acceptor
    /// may have stored it.
    /// </summary>
    public IReadOnlyList<AcceptorRequest> OnCallFailed(AcceptorRequest request, string error, TimeSpan now, bool mayHaveActed = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (phase, replica) = (request is PrepareRequest ? Phase.Preparing : Phase.Accepting, request.Replica);
        if (!TakeAnswer(phase, replica, request.Ballot))
        {
            return NoRequests;
        }

        _failed++;
        if (mayHaveActed)
        {
            _maybeStored++;
        }

        _lastCallError = $"replica {replica}: {error}";
        return phase == Phase.Preparing ? PrepareLostIfHopeless(now) : AcceptLostIfHopeless(now);
    }

    public IReadOnlyList<AcceptorRequest> OnTimer(TimeSpan now)
    {
        if (_phase is Phase.Done or Phase.NotStarted)
        {
            return NoRequests;
        }

        if (now >= _deadline)
        {
            GiveUp(ProposalFailure.None, "the change timeout expired");
            return NoRequests;
        }

        return _phase switch
        {
            Phase.BackingOff when now >= _backoffUntil => BeginPrepare(),
            Phase.Accepting when now >= _sparesAt => AskSpares(),
            _ => NoRequests,
        };
    }

    /// <summary>The caller no longer waits. The outcome is unknown if an accept may be stored somewhere.</summary>
    public void Cancel()
    {
        if (_phase is not Phase.Done)
        {
            GiveUp(ProposalFailure.Cancelled, "the caller cancelled the change");
        }
    }

    private bool TakeAnswer(Phase phase, int replica, Ballot ballot)
    {
        if (_phase != phase || ballot != _ballot || (uint)replica >= (uint)_answered.Length || !_asked[replica] || _answered[replica])
        {
            return false; // late, duplicated or foreign: it belongs to a round that is over
        }

        _answered[replica] = true;
        return true;
    }

    /// <summary>Requests of this round sent and not yet answered.</summary>
    private int Unanswered => _asks - _granted - _rejected - _failed;

    /// <summary>Acceptors this round has not sent its request to yet (thrifty accepts keep them in reserve).</summary>
    private int Unasked => _quorum.Acceptors - _asks;

    private void NoteRejection(Ballot rejectedBy)
    {
        _rejected++;
        _rejections++;
        _proposer.Clock.Observe(rejectedBy);
    }

    private AcceptorRequest[] BeginPrepare()
    {
        StartRound(Phase.Preparing, _proposer.Clock.NextBallot());
        _highestAccepted = Ballot.Zero;
        _highestValue = null;
        _highestLineage = Lineage.Empty;
        return Ask(Enumerable.Range(0, _quorum.Acceptors), replica => new PrepareRequest(replica, _ballot));
    }

    private IReadOnlyList<AcceptorRequest> ChooseValue(TimeSpan now)
    {
        var lineage = _highestLineage.Descend(_highestAccepted, _lineageDepth);
        int[] promisers = [.. _grantedBy]; // they answered first: the accept goes to them
        if (_sentAccepts.TryGetValue(_highestAccepted, out var own))
        {
            return BeginAccept(_ballot, own.Value, own.Result, lineage, promisers, now);
        }

        if (_highestValue is { } value && _sentAccepts.Keys.FirstOrDefault(_highestLineage.Contains) is { IsZero: false } ancestor)
        {
            // Another proposer built on our accept: the value holds our change, and committing it commits the change.
            return BeginAccept(_ballot, value, _sentAccepts[ancestor].Result, lineage, promisers, now);
        }

        if (_oldestPossiblyStored is { } oldest && _highestAccepted > oldest && !_highestLineage.ReachesBelow(oldest))
        {
            Finish(ProposalStatus.Unknown, ProposalFailure.CompetingProposer,
                $"another proposer's value at {_highestAccepted} may include this change's accept at {oldest}, and its lineage {_highestLineage} was cut too short to tell");
            return NoRequests;
        }

        return ApplyAndAccept(_ballot, _highestValue, lineage, promisers, now);
    }

    private IReadOnlyList<AcceptorRequest> ApplyAndAccept(Ballot ballot, TValue? current, Lineage lineage, IReadOnlyList<int> preferred, TimeSpan now)
    {
        TValue next;
        TResult result;
        try
        {
            (next, result) = _change(current);
        }
        catch (Exception error)
        {
            if (_oldestPossiblyStored is null)
            {
                Finish(ProposalStatus.NotApplied, ProposalFailure.ChangeFailed, $"the change failed: {error.Message}", error);
            }
            else
            {
                Finish(ProposalStatus.Unknown, ProposalFailure.ChangeFailed,
                    $"the change failed on a retry ({error.Message}) after an earlier accept of it may have been stored", error);
            }

            return NoRequests;
        }

        if (next is null)
        {
            throw new InvalidOperationException("A change function must return a value; represent deletion inside the value.");
        }

        return BeginAccept(ballot, next, result, lineage, preferred, now);
    }

    /// <param name="preferred">Acceptors that answered the last round first: a thrifty accept goes to them.</param>
    private AcceptorRequest[] BeginAccept(Ballot ballot, TValue value, TResult result, Lineage lineage, IReadOnlyList<int> preferred, TimeSpan now)
    {
        StartRound(Phase.Accepting, ballot);
        _proposer.Clock.Observe(ballot.Next()); // acceptors that take it promise ballot.Next(): our next prepare must lie above
        _proposedValue = value;
        _proposedResult = result;
        _proposedLineage = lineage;
        _sentAccepts[ballot] = (value, result);
        if (_proposer.Settings.ThriftyAcceptTimeout is { } timeout && preferred.Count >= _quorum.Accept)
        {
            _sparesAt = now + timeout;
            return Ask(preferred.Take(_quorum.Accept), AcceptFor);
        }

        return Ask(Enumerable.Range(0, _quorum.Acceptors), AcceptFor);
    }

    private AcceptRequest<TValue> AcceptFor(int replica) => new(replica, _ballot, _proposedValue!, _proposedLineage);

    /// <summary>The accept of this round, to the acceptors a thrifty accept held in reserve.</summary>
    private AcceptorRequest[] AskSpares()
    {
        _spareRounds++;
        return Ask(Enumerable.Range(0, _quorum.Acceptors).Where(replica => !_asked[replica]).ToArray(), AcceptFor);
    }

    private void StartRound(Phase phase, Ballot ballot)
    {
        _phase = phase;
        _ballot = ballot;
        _rounds++;
        _asks = _granted = _rejected = _failed = _maybeStored = 0;
        _sparesAt = TimeSpan.MaxValue;
        _grantedBy.Clear();
        Array.Clear(_answered);
        Array.Clear(_asked);
    }

    private AcceptorRequest[] Ask(IEnumerable<int> replicas, Func<int, AcceptorRequest> request)
    {
        var requests = new List<AcceptorRequest>(_quorum.Acceptors);
        foreach (var replica in replicas)
        {
            _asked[replica] = true;
            _asks++;
            requests.Add(request(replica));
        }

        if (Unasked == 0)
        {
            _sparesAt = TimeSpan.MaxValue;
        }

        return [.. requests];
    }

    private IReadOnlyList<AcceptorRequest> PrepareLostIfHopeless(TimeSpan now)
        => _granted + Unanswered >= _quorum.Prepare ? NoRequests : LoseRound(now);

    private IReadOnlyList<AcceptorRequest> AcceptLostIfHopeless(TimeSpan now)
    {
        if (_granted + Unanswered >= _quorum.Accept)
        {
            return NoRequests;
        }

        if (Unasked > 0 && _granted + Unanswered + Unasked >= _quorum.Accept)
        {
            return AskSpares(); // the acceptors held in reserve can still make the quorum
        }

        if (_granted > 0 || _maybeStored > 0)
        {
            MarkPossiblyStored(_ballot);
        }
        else if (Unanswered > 0)
        {
            // Every answer so far says "not stored". Wait for the rest: if none stored it, the value is stored
            // nowhere and the change may be retried freely.
            return NoRequests;
        }

        return LoseRound(now);
    }

    private void MarkPossiblyStored(Ballot ballot)
    {
        if (_oldestPossiblyStored is not { } oldest || ballot < oldest)
        {
            _oldestPossiblyStored = ballot;
        }
    }

    private IReadOnlyList<AcceptorRequest> LoseRound(TimeSpan now)
    {
        _lastLoss = _rejected > 0 ? ProposalFailure.Contention : ProposalFailure.NoQuorum;
        _lostRounds++;
        _phase = Phase.BackingOff;
        _backoffUntil = now + _proposer.Backoff(_lostRounds);
        if (_backoffUntil >= _deadline)
        {
            GiveUp(ProposalFailure.None, "the change timeout expires before another round could start");
        }

        return NoRequests;
    }

    private void GiveUp(ProposalFailure reason, string why)
    {
        if (_phase == Phase.Accepting && (_granted > 0 || Unanswered > 0 || _maybeStored > 0))
        {
            MarkPossiblyStored(_ballot);
        }

        var failure = reason == ProposalFailure.None ? _lastLoss : reason;
        var tally = _lastCallError is null ? "" : $"; last acceptor error: {_lastCallError}";
        if (_oldestPossiblyStored is { } stored)
        {
            Finish(ProposalStatus.Unknown, failure, $"{why} after an accept at {stored} was sent without a quorum confirming it{tally}");
        }
        else
        {
            var cause = failure switch
            {
                ProposalFailure.Contention => "other proposers kept winning the register",
                ProposalFailure.NoQuorum => $"fewer than a quorum of the {_quorum.Acceptors} acceptors answered",
                _ => "",
            };
            Finish(ProposalStatus.NotApplied, failure, cause.Length == 0 ? $"{why}{tally}" : $"{why}: {cause}{tally}");
        }
    }

    private void Commit()
    {
        _proposer.OnCommitted(Key, _ballot, _proposedValue!, _proposedLineage, [.. _grantedBy]);
        Outcome = new ProposalOutcome<TValue, TResult>
        {
            Status = ProposalStatus.Committed,
            Value = _proposedValue,
            Result = _proposedResult,
            Ballot = _ballot,
            Detail = $"committed at {_ballot}",
            Rounds = _rounds,
            Retries = _lostRounds,
            Rejections = _rejections,
            SpareRounds = _spareRounds,
            OneRoundTrip = _cached is { } cached && _ballot == cached.Ballot.Next(),
        };
        _phase = Phase.Done;
    }

    private void Finish(ProposalStatus status, ProposalFailure failure, string detail, Exception? changeError = null)
    {
        Outcome = new ProposalOutcome<TValue, TResult>
        {
            Status = status,
            Failure = failure,
            ChangeError = changeError,
            Detail = detail,
            Rounds = _rounds,
            Retries = _lostRounds,
            Rejections = _rejections,
            SpareRounds = _spareRounds,
        };
        _phase = Phase.Done;
    }
}
