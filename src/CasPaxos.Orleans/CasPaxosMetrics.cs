using System.Diagnostics.Metrics;
using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>The instruments of meter "CasPaxos.Orleans" (System.Diagnostics.Metrics).</summary>
public sealed class CasPaxosMetrics
{
    public const string MeterName = "CasPaxos.Orleans";

    private readonly Histogram<double> _changeDuration;
    private readonly Counter<long> _changes;
    private readonly Counter<long> _rounds;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _spareAccepts;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _acceptorWriteDuration;
    private readonly Counter<long> _acceptorWriteConflicts;
    private readonly Counter<long> _colocatedPlacements;

    /// <summary>Milliseconds: a change costs a fraction of one on a fast network and disk, seconds when it waits out failures.</summary>
    private static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    };

    public CasPaxosMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _changeDuration = meter.CreateHistogram("caspaxos.change.duration", "ms", "Time from a proposer receiving a change to its outcome.", tags: null, advice: LatencyBuckets);
        _changes = meter.CreateCounter<long>("caspaxos.changes", "{change}", "Changes by outcome and by path (one_round_trip when prepare was skipped).");
        _rounds = meter.CreateCounter<long>("caspaxos.change.rounds", "{round}", "Prepare and accept rounds started.");
        _rejections = meter.CreateCounter<long>("caspaxos.change.rejections", "{rejection}", "Acceptor rejections: another proposer held a higher ballot.");
        _retries = meter.CreateCounter<long>("caspaxos.change.retries", "{round}", "Rounds lost to conflicts or missing replies and started again.");
        _spareAccepts = meter.CreateCounter<long>("caspaxos.change.spare_accepts", "{round}", "Thrifty accept rounds that also went to the acceptors held in reserve (one of the F+1 refused, failed or was slow).");
        _batchSize = meter.CreateHistogram<long>("caspaxos.proposal.changes", "{change}", "Changes one proposal carried (concurrent changes to one register share a proposal).",
            tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _acceptorWriteDuration = meter.CreateHistogram("caspaxos.acceptor.write.duration", "ms", "Durable write of a promise or an accept.", tags: null, advice: LatencyBuckets);
        _acceptorWriteConflicts = meter.CreateCounter<long>("caspaxos.acceptor.write.conflicts", "{write}", "Acceptor writes refused by the ETag check (a duplicate activation wrote first).");
        _colocatedPlacements = meter.CreateCounter<long>("caspaxos.placement.colocated", "{activation}", "Acceptors placed on a silo that already hosts a sibling (fewer silos than replicas).");
    }

    /// <summary>One proposal's outcome, carrying <paramref name="changes"/> changes.</summary>
    internal void Change<TResult>(ProposalOutcome<RegisterState, TResult> outcome, TimeSpan duration, int changes)
    {
        var status = outcome.Status switch
        {
            ProposalStatus.Committed => "committed",
            ProposalStatus.NotApplied => "not_applied",
            _ => "unknown",
        };
        var path = outcome.OneRoundTrip ? "one_round_trip" : "prepare";
        _changeDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("outcome", status));
        _changes.Add(changes, new KeyValuePair<string, object?>("outcome", status), new KeyValuePair<string, object?>("path", path));
        _batchSize.Record(changes);
        _rounds.Add(outcome.Rounds);
        if (outcome.Rejections > 0)
        {
            _rejections.Add(outcome.Rejections);
        }

        if (outcome.Retries > 0)
        {
            _retries.Add(outcome.Retries);
        }

        if (outcome.SpareRounds > 0)
        {
            _spareAccepts.Add(outcome.SpareRounds);
        }
    }

    internal void AcceptorWrite(string phase, TimeSpan duration)
        => _acceptorWriteDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("phase", phase));

    internal void AcceptorWriteConflict(string phase) => _acceptorWriteConflicts.Add(1, new KeyValuePair<string, object?>("phase", phase));

    internal void ColocatedPlacement() => _colocatedPlacements.Add(1);
}
