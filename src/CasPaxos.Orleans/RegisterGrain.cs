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
/// commit; calls to it run one at a time.
/// </summary>
[StatelessWorker(1)]
internal sealed partial class RegisterGrain : Grain, IRegisterGrain
{
    private readonly IGrainFactory _grainFactory;
    private readonly CasPaxosOptions _options;
    private readonly RegisterLimits _limits;
    private readonly CasPaxosMetrics _metrics;
    private readonly ILogger<RegisterGrain> _logger;
    private readonly Proposer<RegisterState> _proposer;
    private readonly TimeProvider _time;
    private ProposalRunner<RegisterState>? _runner;

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

        _runner ??= new ProposalRunner<RegisterState>(new AcceptorGrainTransport(_grainFactory, key, _options.ReplicaCount), _time, _options.AcceptorCallTimeout);
        var started = Stopwatch.GetTimestamp();
        var proposal = _proposer.Propose<ChangeResult>(key, current => Apply(change, current), _runner.Now);
        var outcome = await _runner.RunAsync(proposal, cancellationToken);
        _metrics.Change(outcome, Stopwatch.GetElapsedTime(started));

        switch (outcome.Status)
        {
            case ProposalStatus.Committed:
                return outcome.Result!;
            case ProposalStatus.NotApplied when outcome.ChangeError is CasPaxosException refused:
                throw refused;
            case ProposalStatus.NotApplied when outcome.ChangeError is { } error:
                throw new ChangeFailedException(change.GetType().Name, error.GetType().Name, error.Message);
            case ProposalStatus.NotApplied when outcome.Failure == ProposalFailure.Cancelled:
                throw new OperationCanceledException($"The change to register '{key}' was cancelled before any accept was sent; it did not apply.", cancellationToken);
            case ProposalStatus.NotApplied:
                LogNotApplied(_logger, key, outcome.Detail);
                throw new RegisterUnavailableException($"Register '{key}' is unavailable: {outcome.Detail}. The change did not apply.");
            default:
                LogUnknown(_logger, key, outcome.Detail);
                throw new ChangeOutcomeUnknownException($"The outcome of the change to register '{key}' is unknown: {outcome.Detail}. It may or may not apply; read the register before retrying.");
        }
    }

    private (RegisterState Next, ChangeResult Result) Apply(RegisterChange change, RegisterState? current)
    {
        var result = change.ApplyTo(current ?? RegisterState.Empty, _limits);
        return (result.State, result);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change to register {RegisterKey} did not apply: {Detail}")]
    private static partial void LogNotApplied(ILogger logger, string registerKey, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change to register {RegisterKey} has an unknown outcome: {Detail}")]
    private static partial void LogUnknown(ILogger logger, string registerKey, string detail);
}
