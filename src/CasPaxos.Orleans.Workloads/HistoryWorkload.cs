using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CasPaxos.History;

namespace CasPaxos.Orleans.Workloads;

/// <summary>
/// Concurrent clients issuing random reads, writes, compare-and-sets, increments and deletes on a few registers, each
/// operation recorded with its call and return time on one monotonic clock and its outcome: ok with the register seen,
/// fail when CasPaxos says the change certainly did not apply, unknown for anything else (an unknown outcome, a dead
/// gateway, a timeout). The history is what the linearizability checker reads.
/// </summary>
public sealed class HistoryWorkload
{
    private readonly IReadOnlyList<IGrainFactory> _clients;
    private readonly HistoryWorkloadOptions _options;
    private readonly ConcurrentQueue<HistoryOperation> _history = new();
    private readonly long _origin = Stopwatch.GetTimestamp();
    private int _issued;
    private int _nextClientId;

    /// <param name="clients">Where operations enter the cluster: cluster clients, or silos' grain factories to propose on those silos.</param>
    public HistoryWorkload(IReadOnlyList<IGrainFactory> clients, HistoryWorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfZero(clients.Count);
        _clients = clients;
        _options = options;
    }

    public int Completed => _history.Count;

    public HistoryCounts Counts => HistoryCounts.Of(_history);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (or the operation budget is spent), then drains.</summary>
    public async Task<IReadOnlyList<HistoryOperation>> RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random(_options.Seed);
        var clients = Enumerable.Range(0, _options.Clients)
            .Select(i => RunClientAsync(new Random(random.Next()), cancellationToken))
            .ToArray();
        await Task.WhenAll(clients).ConfigureAwait(false);
        return [.. _history.OrderBy(op => op.Call)];
    }

    private long Now => (long)Stopwatch.GetElapsedTime(_origin).TotalNanoseconds;

    private async Task RunClientAsync(Random random, CancellationToken stop)
    {
        var client = Interlocked.Increment(ref _nextClientId);
        while (!stop.IsCancellationRequested && (_options.MaxOperations is not { } max || Interlocked.Increment(ref _issued) <= max))
        {
            var key = $"{_options.KeyPrefix}{random.Next(_options.Keys)}";
            var (kind, change, input) = Draw(random, client);
            var register = _clients[random.Next(_clients.Count)].GetGrain<IRegisterGrain>(key);
            var call = Now;
            var pending = register.ChangeAsync(change, CancellationToken.None);
            if (!await FinishesAsync(pending, stop).ConfigureAwait(false))
            {
                Record(client, key, kind, input, call, OperationStatus.Unknown, null);
                return; // the run is over and this operation is still out
            }

            try
            {
                var result = await pending.ConfigureAwait(false);
                Record(client, key, kind, input, call, OperationStatus.Ok, new HistoryOutput(result.State.Version, result.State.Value, result.Applied));
            }
            catch (CasPaxosException error) when (error.DefinitelyNotApplied)
            {
                Record(client, key, kind, input, call, OperationStatus.Fail, null);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                Record(client, key, kind, input, call, OperationStatus.Unknown, null);
                client = Interlocked.Increment(ref _nextClientId); // its operation may still land: carry on as a new client
                if (error is not CasPaxosException)
                {
                    await Task.Delay(_options.PauseAfterError, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Waits for <paramref name="operation"/>; once the run is stopped, for at most the drain timeout more.</summary>
    private async Task<bool> FinishesAsync(Task operation, CancellationToken stop)
    {
        foreach (var (wait, timeout) in new[] { (stop, Timeout.InfiniteTimeSpan), (CancellationToken.None, _options.DrainTimeout) })
        {
            try
            {
                await operation.WaitAsync(timeout, wait).ConfigureAwait(false);
                return true;
            }
            catch (Exception) when (operation.IsCompleted)
            {
                return true; // its error is read by the caller
            }
            catch (Exception error) when (error is OperationCanceledException or TimeoutException)
            {
                // stopped: give it the drain; drained: it stays unknown
            }
        }

        return false;
    }

    private void Record(int client, string key, OperationKind kind, HistoryInput input, long call, OperationStatus status, HistoryOutput? output)
        => _history.Enqueue(new HistoryOperation(client, key, kind, input, call, status == OperationStatus.Unknown ? null : Now, status, output));

    private static (OperationKind Kind, RegisterChange Change, HistoryInput Input) Draw(Random random, int client)
    {
        // Written values are distinct numbers, so increments apply to them and every value names its writer.
        var value = Encoding.ASCII.GetBytes(((client * 1_000_000_000L) + random.Next(1_000_000)).ToString(CultureInfo.InvariantCulture));
        var roll = random.Next(100);
        if (roll < 25)
        {
            return (OperationKind.Read, ReadChange.Instance, new HistoryInput());
        }

        if (roll < 45)
        {
            return (OperationKind.Write, new SetChange(value), new HistoryInput(value));
        }

        if (roll < 65)
        {
            var expected = random.Next(0, 40);
            return (OperationKind.Cas, new CompareAndSetChange(expected, value), new HistoryInput(value, expected));
        }

        if (roll < 92)
        {
            var delta = random.Next(1, 4);
            return (OperationKind.Increment, new IncrementChange(delta), new HistoryInput(Delta: delta));
        }

        return (OperationKind.Delete, DeleteChange.Instance, new HistoryInput());
    }
}

/// <summary>How many operations of a history ended each way.</summary>
public sealed record HistoryCounts(int Operations, int Ok, int Failed, int Unknown)
{
    public static HistoryCounts Of(IEnumerable<HistoryOperation> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var list = history.ToList();
        return new HistoryCounts(list.Count,
            list.Count(op => op.Status == OperationStatus.Ok),
            list.Count(op => op.Status == OperationStatus.Fail),
            list.Count(op => op.Status == OperationStatus.Unknown));
    }

    public override string ToString() => $"{Operations} operations: {Ok} ok, {Failed} definitely failed, {Unknown} unknown";
}
