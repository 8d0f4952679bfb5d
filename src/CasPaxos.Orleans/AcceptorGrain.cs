using System.Diagnostics;
using CasPaxos.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Storage;

namespace CasPaxos.Orleans;

/// <summary>
/// An acceptor: the <see cref="Acceptor"/> transitions over state kept in grain storage. It never answers
/// positively from memory: a promise or an accept is acknowledged only after the storage write succeeded with the
/// ETag this activation read. When Orleans briefly runs two activations of one acceptor, the stale one's write
/// fails its ETag check and it rejects; a rejection is always safe.
/// </summary>
[ReplicaPlacement]
[Immovable] // neither the rebalancer nor the repartitioner may move a replica next to its siblings
internal sealed partial class AcceptorGrain : Grain, IAcceptorGrain
{
    internal const string StateName = "caspaxos-acceptor";

    private readonly IPersistentState<AcceptorRecord> _storage;
    private readonly CasPaxosMetrics _metrics;
    private readonly ILogger<AcceptorGrain> _logger;
    private readonly int _replica;

    public AcceptorGrain(IGrainContext context, IPersistentStateFactory stateFactory, IOptions<CasPaxosOptions> options,
        CasPaxosMetrics metrics, ILogger<AcceptorGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stateFactory);
        ArgumentNullException.ThrowIfNull(options);
        var key = context.GrainId.Key.ToString()!;
        if (!AcceptorKey.TryParse(key, out _replica, out _) || _replica >= options.Value.ReplicaCount)
        {
            throw new ArgumentException($"'{key}' is not an acceptor key of this cluster (replica count {options.Value.ReplicaCount}).");
        }

        // What [PersistentState] does, with the storage name chosen per replica index at run time.
        _storage = stateFactory.Create<AcceptorRecord>(context, new StorageConfiguration(StateName, options.Value.StorageNameFor(_replica)));
        _metrics = metrics;
        _logger = logger;
    }

    public async Task<PrepareResponse> Prepare(Ballot ballot, CancellationToken cancellationToken)
    {
        var decision = Acceptor.Prepare(_storage.State.ToState(), ballot);
        if (decision.NextState is { } next && !await TryStoreAsync(next, "prepare"))
        {
            return PrepareResponse.From(PrepareReply<RegisterState>.Reject(_storage.State.Promise));
        }

        return PrepareResponse.From(decision.Reply);
    }

    public async Task<AcceptReply> Accept(Ballot ballot, RegisterState value, Lineage lineage, CancellationToken cancellationToken)
    {
        var decision = Acceptor.Accept(_storage.State.ToState(), ballot, value, lineage);
        if (decision.NextState is { } next && !await TryStoreAsync(next, "accept"))
        {
            return AcceptReply.Reject(_storage.State.Promise, neverAccepted: false); // the other activation may have stored it
        }

        return decision.Reply;
    }

    /// <returns>False when another activation wrote first (ETag conflict): the caller must reject.</returns>
    private async Task<bool> TryStoreAsync(AcceptorState<RegisterState> next, string phase)
    {
        var previous = _storage.State;
        _storage.State = AcceptorRecord.From(next);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _storage.WriteStateAsync();
            _metrics.AcceptorWrite(phase, Stopwatch.GetElapsedTime(started));
            return true;
        }
        catch (InconsistentStateException conflict)
        {
            _storage.State = previous;
            _metrics.AcceptorWriteConflict(phase);
            LogWriteConflict(_logger, this.GetPrimaryKeyString(), phase, conflict.Message);
            DeactivateOnIdle(); // the next activation reads what the other writer stored
            return false;
        }
        catch (Exception error)
        {
            // The write may or may not have reached the database; reloading is the only way to know.
            _storage.State = previous;
            LogWriteFailed(_logger, error, this.GetPrimaryKeyString(), phase);
            DeactivateOnIdle();
            throw new AcceptorStorageException(
                $"acceptor storage write failed ({error.GetType().Name}: {error.Message})", StorageErrors.CertainlyNotWritten(error));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Acceptor {AcceptorKey} lost a {Phase} write to another activation and rejects: {Conflict}")]
    private static partial void LogWriteConflict(ILogger logger, string acceptorKey, string phase, string conflict);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Acceptor {AcceptorKey} could not store a {Phase}")]
    private static partial void LogWriteFailed(ILogger logger, Exception error, string acceptorKey, string phase);

    private sealed record StorageConfiguration(string StateName, string? StorageName) : IPersistentStateConfiguration;
}

/// <summary>An acceptor could not reach its storage; the proposer counts it as a failed replica for the round.</summary>
[GenerateSerializer, Alias("caspaxos.AcceptorStorageException")]
internal sealed class AcceptorStorageException : Exception
{
    public AcceptorStorageException(string message, bool notWritten)
        : base(message)
    {
        NotWritten = notWritten;
    }

    /// <summary>The write certainly did not reach the database (for example, the connection was refused).</summary>
    [Id(0)]
    public bool NotWritten { get; private set; }

    public AcceptorStorageException()
    {
    }

    public AcceptorStorageException(string message)
        : base(message)
    {
    }

    public AcceptorStorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
