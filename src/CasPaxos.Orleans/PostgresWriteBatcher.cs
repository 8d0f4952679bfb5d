using Npgsql;
using NpgsqlTypes;

namespace CasPaxos.Orleans;

/// <summary>
/// Group commit for grain state writes. A write goes out at once, from its caller, while fewer than a few statements
/// are in flight; otherwise it queues, and the statement that finishes next takes everything queued (up to a batch
/// size) as one statement in one transaction. Each write is answered with its row's new version, or null when its
/// ETag did not match. So an idle silo pays no batching latency, and a busy one pays one commit (one fsync) for many
/// writes.
/// </summary>
internal sealed class PostgresWriteBatcher : IAsyncDisposable
{
    private const string WriteOneSql = """
        WITH updated AS (
            UPDATE caspaxos_grain_state
            SET payload = $6, version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END, modified_on = now()
            WHERE $7::integer IS NOT NULL AND service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4
              AND grain_id_ext = $5 AND version = $7
            RETURNING version
        ), inserted AS (
            INSERT INTO caspaxos_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
            SELECT $1, $2, $3, $4, $5, $6, 1 WHERE $7::integer IS NULL
            ON CONFLICT ON CONSTRAINT caspaxos_grain_state_pk DO NOTHING
            RETURNING version
        )
        SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1)
        """;

    // Rows of one batch never share a key (see Take), so results map back by key.
    private const string WriteManySql = """
        WITH input AS (
            SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::bigint[], $4::bigint[], $5::text[], $6::bytea[], $7::integer[])
                AS i(service_id, state_name, n0, n1, ext, payload, expected)
        ), updated AS (
            UPDATE caspaxos_grain_state g
            SET payload = i.payload, version = CASE WHEN g.version = 2147483647 THEN 1 ELSE g.version + 1 END, modified_on = now()
            FROM input i
            WHERE i.expected IS NOT NULL AND g.service_id = i.service_id AND g.state_name = i.state_name
              AND g.grain_id_n0 = i.n0 AND g.grain_id_n1 = i.n1 AND g.grain_id_ext = i.ext AND g.version = i.expected
            RETURNING g.service_id, g.state_name, g.grain_id_n0, g.grain_id_n1, g.grain_id_ext, g.version
        ), inserted AS (
            INSERT INTO caspaxos_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
            SELECT service_id, state_name, n0, n1, ext, payload, 1 FROM input WHERE expected IS NULL
            ON CONFLICT ON CONSTRAINT caspaxos_grain_state_pk DO NOTHING
            RETURNING service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext, version
        )
        SELECT * FROM updated UNION ALL SELECT * FROM inserted
        """;

    private readonly NpgsqlDataSource _source;
    private readonly int _maxBatch;
    private readonly int _maxInFlight;
    private readonly object _lock = new();
    private readonly LinkedList<PendingWrite> _queue = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private bool _disposed;

    public PostgresWriteBatcher(NpgsqlDataSource source, int maxBatch, int maxInFlight)
    {
        _source = source;
        _maxBatch = Math.Max(1, maxBatch);
        _maxInFlight = Math.Max(1, maxInFlight);
    }

    /// <returns>The row's new version, or null when another writer changed it first.</returns>
    public Task<int?> WriteAsync(RowKey row, byte[] payload, int? expectedVersion)
    {
        var write = new PendingWrite(row, payload, expectedVersion);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_inFlight >= _maxInFlight)
            {
                _queue.AddLast(write);
                return write.Done.Task;
            }

            _inFlight++;
        }

        _ = RunAsync([write]);
        return write.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposed = true;
            if (_inFlight == 0)
            {
                _drained.TrySetResult();
            }
        }

        await _drained.Task;
    }

    /// <summary>Writes a batch, then the batches that queued up meanwhile, until the queue is empty.</summary>
    private async Task RunAsync(List<PendingWrite> batch)
    {
        while (true)
        {
            try
            {
                var versions = batch.Count == 1 ? [await WriteOneAsync(batch[0]).ConfigureAwait(false)] : await WriteManyAsync(batch).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(versions[i]);
                }
            }
            catch (Exception error)
            {
                foreach (var write in batch)
                {
                    write.Done.TrySetException(error);
                }
            }

            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    if (--_inFlight == 0 && _disposed)
                    {
                        _drained.TrySetResult();
                    }

                    return;
                }

                batch = TakeQueued();
            }
        }
    }

    /// <summary>
    /// Takes queued writes in order, up to the batch size. A second write of a row already in the batch (two
    /// activations of one grain) stays queued for a later batch, so that one statement never writes a row twice.
    /// </summary>
    private List<PendingWrite> TakeQueued()
    {
        var batch = new List<PendingWrite>(Math.Min(_queue.Count, _maxBatch));
        var rows = new HashSet<RowKey>();
        for (var node = _queue.First; node is not null && batch.Count < _maxBatch;)
        {
            var next = node.Next;
            if (rows.Add(node.Value.Row))
            {
                batch.Add(node.Value);
                _queue.Remove(node);
            }

            node = next;
        }

        return batch;
    }

    private async Task<int?> WriteOneAsync(PendingWrite write)
    {
        await using var command = _source.CreateCommand(WriteOneSql);
        write.Row.AddTo(command.Parameters);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = write.Payload });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)write.ExpectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as int?;
    }

    private async Task<int?[]> WriteManyAsync(List<PendingWrite> batch)
    {
        await using var command = _source.CreateCommand(WriteManySql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(w => w.Row.ServiceId)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(w => w.Row.StateName)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Select(w => w.Row.N0)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Select(w => w.Row.N1)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(w => w.Row.Extension)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. batch.Select(w => w.Payload)] });
        command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. batch.Select(w => w.ExpectedVersion)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });

        var versions = new Dictionary<RowKey, int>(batch.Count);
        await using (var reader = await command.ExecuteReaderAsync().ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                versions[new RowKey(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4))] = reader.GetInt32(5);
            }
        }

        return [.. batch.Select(w => versions.TryGetValue(w.Row, out var version) ? version : (int?)null)];
    }

    /// <remarks>
    /// Continuations run synchronously: the writer is an acceptor grain, whose continuation Orleans queues to the
    /// grain's own scheduler anyway, so an extra hop through the thread pool would only add latency.
    /// </remarks>
    private sealed record PendingWrite(RowKey Row, byte[] Payload, int? ExpectedVersion)
    {
        public TaskCompletionSource<int?> Done { get; } = new();
    }
}
