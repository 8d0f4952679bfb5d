using System.Diagnostics;
using System.Security.Cryptography;
using CasPaxos.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CasPaxos.Orleans;

/// <summary>
/// The proposer of one register on one silo. A stateless worker: every silo can propose for every key, so a silo's
/// death leaves no key without a proposer. One worker per key per silo keeps the one-round-trip promise of its last
/// commit, and runs one proposal at a time: the changes that arrive meanwhile wait, and the next proposal carries
/// them all (applied in arrival order, each caller getting its own result), so concurrent callers of one key share
/// rounds instead of fighting over ballots.
/// </summary>
[StatelessWorker(1)]
[Reentrant]
internal sealed partial class RegisterGrain : Grain, IRegisterGrain
{
    private readonly IGrainFactory _grainFactory;
    private readonly CasPaxosOptions _options;
    private readonly RegisterLimits _limits;
    private readonly CasPaxosMetrics _metrics;
    private readonly ILogger<RegisterGrain> _logger;
    private readonly Proposer<RegisterState> _proposer;
    private readonly TimeProvider _time;
    private readonly Queue<PendingChange> _waiting = new();
    private ProposalRunner<RegisterState>? _runner;
    private bool _proposing;

    public RegisterGrain(IGrainFactory grainFactory, IOptions<CasPaxosOptions> options, CasPaxosMetrics metrics, TimeProvider time, ILogger<RegisterGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _grainFactory = grainFactory;
        _options = options.Value;
        _limits = _options.Limits;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _proposer = new Proposer<RegisterState>(NewProposerId(), Quorum.Majority(_options.ReplicaCount), _options.ProposerSettings, new Random());
    }

    public async Task<ChangeResult> ChangeAsync(RegisterChange change, CancellationToken cancellationToken = default)
    {
        var key = this.GetPrimaryKeyString();
        _limits.ValidateKey(key);
        ArgumentNullException.ThrowIfNull(change);
        change.Validate(_limits);

        var pending = new PendingChange(change);
        _waiting.Enqueue(pending);
        if (!_proposing)
        {
            _proposing = true;
            _ = ProposeWaitingAsync(key);
        }

        // A change still waiting for its round can be withdrawn; once a round carries it, its fate is that round's.
        await using var withdraw = cancellationToken.Register(() => pending.Withdraw(cancellationToken));
        return await pending.Done.Task;
    }

    private async Task ProposeWaitingAsync(string key)
    {
        try
        {
            while (_waiting.Count > 0)
            {
                var batch = new List<PendingChange>();
                while (batch.Count < _options.MaxBatchSize && _waiting.TryDequeue(out var next))
                {
                    if (next.TryStart())
                    {
                        batch.Add(next);
                    }
                }

                if (batch.Count > 0)
                {
                    await ProposeAsync(key, batch);
                }
            }
        }
        finally
        {
            _proposing = false;
        }
    }

    private async Task ProposeAsync(string key, List<PendingChange> batch)
    {
        try
        {
            _runner ??= new ProposalRunner<RegisterState>(new AcceptorGrainTransport(_grainFactory, key, _options.ReplicaCount), _time, _options.AcceptorCallTimeout);
            var changes = batch.ConvertAll(pending => pending.Change);
            var started = Stopwatch.GetTimestamp();
            var proposal = _proposer.Propose<ChangeBatch.ChangeOutcome[]>(key, current => ChangeBatch.Apply(changes, current, _limits), _runner.Now);
            var outcome = await _runner.RunAsync(proposal, CancellationToken.None);
            _metrics.Change(outcome, Stopwatch.GetElapsedTime(started), batch.Count);
            switch (outcome.Status)
            {
                case ProposalStatus.Committed:
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Finish(outcome.Result![i]);
                    }

                    return;
                case ProposalStatus.NotApplied:
                    LogNotApplied(_logger, key, outcome.Detail);
                    var unavailable = new RegisterUnavailableException($"Register '{key}' is unavailable: {outcome.Detail}. The change did not apply.");
                    batch.ForEach(pending => pending.Done.TrySetException(unavailable));
                    return;
                default:
                    LogUnknown(_logger, key, outcome.Detail);
                    var unknown = new ChangeOutcomeUnknownException($"The outcome of the change to register '{key}' is unknown: {outcome.Detail}. It may or may not apply; read the register before retrying.");
                    batch.ForEach(pending => pending.Done.TrySetException(unknown));
                    return;
            }
        }
        catch (Exception error)
        {
            // A bug, not an outcome: the callers must not wait forever, and cannot know what happened.
            batch.ForEach(pending => pending.Done.TrySetException(new ChangeOutcomeUnknownException($"The proposer failed: {error.Message}", error)));
        }
    }

    /// <summary>A fresh random id per activation: a proposer id must never be reused, not even after a restart.</summary>
    private static long NewProposerId()
    {
        long id;
        do
        {
            id = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long))) & long.MaxValue;
        }
        while (id == 0);

        return id;
    }

    /// <summary>A change waiting for, or carried by, a proposal; and how its caller learns the outcome.</summary>
    private sealed class PendingChange(RegisterChange change)
    {
        private const int Waiting = 0;
        private const int Started = 1;
        private const int Withdrawn = 2;

        // The caller's cancellation fires on another thread, so taking the change and withdrawing it race; whichever
        // leaves Waiting first decides, and a change a round carries is never reported as cancelled.
        private int _stage = Waiting;

        public RegisterChange Change { get; } = change;

        public TaskCompletionSource<ChangeResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>False when the caller withdrew the change before a round took it.</summary>
        public bool TryStart() => Interlocked.CompareExchange(ref _stage, Started, Waiting) == Waiting;

        public void Withdraw(CancellationToken cancellationToken)
        {
            if (Interlocked.CompareExchange(ref _stage, Withdrawn, Waiting) == Waiting)
            {
                Done.TrySetCanceled(cancellationToken);
            }
        }

        public void Finish(ChangeBatch.ChangeOutcome outcome)
        {
            switch (outcome.Error)
            {
                case null:
                    Done.TrySetResult(outcome.Result!);
                    break;
                case CasPaxosException refused:
                    Done.TrySetException(refused);
                    break;
                case { } error:
                    Done.TrySetException(new ChangeFailedException(Change.GetType().Name, error.GetType().Name, error.Message));
                    break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change to register {RegisterKey} did not apply: {Detail}")]
    private static partial void LogNotApplied(ILogger logger, string registerKey, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change to register {RegisterKey} has an unknown outcome: {Detail}")]
    private static partial void LogUnknown(ILogger logger, string registerKey, string detail);
}
