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
    private readonly Histogram<double> _acceptorWriteDuration;
    private readonly Counter<long> _acceptorWriteConflicts;
    private readonly Counter<long> _colocatedPlacements;

    public CasPaxosMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _changeDuration = meter.CreateHistogram<double>("caspaxos.change.duration", "ms", "Time from a proposer receiving a change to its outcome.");
        _changes = meter.CreateCounter<long>("caspaxos.changes", "{change}", "Changes by outcome and by path (one_round_trip when prepare was skipped).");
        _rounds = meter.CreateCounter<long>("caspaxos.change.rounds", "{round}", "Prepare and accept rounds started.");
        _rejections = meter.CreateCounter<long>("caspaxos.change.rejections", "{rejection}", "Acceptor rejections: another proposer held a higher ballot.");
        _acceptorWriteDuration = meter.CreateHistogram<double>("caspaxos.acceptor.write.duration", "ms", "Durable write of a promise or an accept.");
        _acceptorWriteConflicts = meter.CreateCounter<long>("caspaxos.acceptor.write.conflicts", "{write}", "Acceptor writes refused by the ETag check (a duplicate activation wrote first).");
        _colocatedPlacements = meter.CreateCounter<long>("caspaxos.placement.colocated", "{activation}", "Acceptors placed on a silo that already hosts a sibling (fewer silos than replicas).");
    }

    internal void Change<TResult>(ProposalOutcome<RegisterState, TResult> outcome, TimeSpan duration)
    {
        var status = outcome.Status switch
        {
            ProposalStatus.Committed => "committed",
            ProposalStatus.NotApplied => "not_applied",
            _ => "unknown",
        };
        var path = outcome.OneRoundTrip ? "one_round_trip" : "prepare";
        _changeDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("outcome", status));
        _changes.Add(1, new KeyValuePair<string, object?>("outcome", status), new KeyValuePair<string, object?>("path", path));
        _rounds.Add(outcome.Rounds);
        if (outcome.Rejections > 0)
        {
            _rejections.Add(outcome.Rejections);
        }
    }

    internal void AcceptorWrite(string phase, TimeSpan duration)
        => _acceptorWriteDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("phase", phase));

    internal void AcceptorWriteConflict(string phase) => _acceptorWriteConflicts.Add(1, new KeyValuePair<string, object?>("phase", phase));

    internal void ColocatedPlacement() => _colocatedPlacements.Add(1);
}
