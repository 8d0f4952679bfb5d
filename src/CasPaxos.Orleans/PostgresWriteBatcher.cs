using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace CasPaxos.Orleans;

/// <summary>
/// Group commit for grain state writes. Writes queue up; a few workers each take everything queued (up to a batch
/// size), write it with one statement in one transaction, and answer each write with its new version, or null when
/// its ETag did not match. An idle worker takes a lone write at once, so batching costs no latency; under load, one
/// commit (and one fsync) serves many writes.
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
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _workers;

    public PostgresWriteBatcher(NpgsqlDataSource source, int maxBatch, int workers)
    {
        _source = source;
        _maxBatch = Math.Max(1, maxBatch);
        _workers = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <returns>The row's new version, or null when another writer changed it first.</returns>
    public Task<int?> WriteAsync(RowKey row, byte[] payload, int? expectedVersion)
    {
        var write = new PendingWrite(row, payload, expectedVersion);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(write), this);
        return write.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
    }

    private async Task WorkAsync()
    {
        var batch = new List<PendingWrite>(_maxBatch);
        PendingWrite? deferred = null;
        while (deferred is not null || await _queue.Reader.WaitToReadAsync())
        {
            deferred = Take(batch, deferred);
            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var versions = batch.Count == 1 ? [await WriteOneAsync(batch[0])] : await WriteManyAsync(batch);
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

            batch.Clear();
        }
    }

    /// <summary>
    /// Takes <paramref name="first"/> and what is queued, up to the batch size. A second write of a row already in the
    /// batch (two activations of one grain) is returned to lead the next batch instead.
    /// </summary>
    private PendingWrite? Take(List<PendingWrite> batch, PendingWrite? first)
    {
        var rows = new HashSet<RowKey>();
        if (first is not null)
        {
            batch.Add(first);
            rows.Add(first.Row);
        }

        while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var write))
        {
            if (!rows.Add(write.Row))
            {
                return write;
            }

            batch.Add(write);
        }

        return null;
    }

    private async Task<int?> WriteOneAsync(PendingWrite write)
    {
        await using var command = _source.CreateCommand(WriteOneSql);
        write.Row.AddTo(command.Parameters);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = write.Payload });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)write.ExpectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteScalarAsync() as int?;
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
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                versions[new RowKey(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4))] = reader.GetInt32(5);
            }
        }

        return [.. batch.Select(w => versions.TryGetValue(w.Row, out var version) ? version : (int?)null)];
    }

    private sealed record PendingWrite(RowKey Row, byte[] Payload, int? ExpectedVersion)
    {
        public TaskCompletionSource<int?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
