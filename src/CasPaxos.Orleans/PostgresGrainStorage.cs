using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace CasPaxos.Orleans;

/// <summary>
/// Grain storage on PostgreSQL for acceptor state, in the table and with the ETag rules of db/caspaxos.sql (so it and
/// Orleans' ADO.NET provider can replace each other). Reads are one prepared statement; writes go through a
/// <see cref="PostgresWriteBatcher"/>, which carries the concurrent writes of this silo in one statement and one commit.
/// </summary>
internal sealed partial class PostgresGrainStorage : IGrainStorage, IAsyncDisposable
{
    private const string ReadSql = """
        SELECT payload, version FROM caspaxos_grain_state
        WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4 AND grain_id_ext = $5
        """;

    private const string ClearSql = """
        WITH cleared AS (
            UPDATE caspaxos_grain_state
            SET payload = NULL, version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END, modified_on = now()
            WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4 AND grain_id_ext = $5 AND version = $6
            RETURNING version)
        SELECT (SELECT version FROM cleared)
        """;

    private readonly string _name;
    private readonly string _serviceId;
    private readonly NpgsqlDataSource _source;
    private readonly PostgresWriteBatcher _writes;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ILogger _logger;

    public PostgresGrainStorage(string name, string serviceId, string connectionString, PostgresGrainStorageOptions options,
        IGrainStorageSerializer serializer, IActivatorProvider activators, ILogger<PostgresGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _serviceId = serviceId;
        _serializer = serializer;
        _activators = activators;
        _logger = logger;
        _source = NpgsqlDataSource.Create(connectionString);
        _writes = new PostgresWriteBatcher(_source, options.MaxBatchSize, options.ConcurrentBatches);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var row = RowKey.Of(_serviceId, stateName, grainId);
        await using var command = _source.CreateCommand(ReadSql);
        row.AddTo(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync() && !await reader.IsDBNullAsync(0))
        {
            grainState.State = _serializer.Deserialize<T>(new BinaryData(reader.GetFieldValue<byte[]>(0)))!;
            grainState.ETag = reader.GetInt32(1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
            return;
        }

        grainState.State = _activators.GetActivator<T>().Create();
        grainState.ETag = reader.HasRows ? reader.GetInt32(1).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        grainState.RecordExists = false;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var row = RowKey.Of(_serviceId, stateName, grainId);
        var expected = ParseETag(grainState.ETag);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var version = await _writes.WriteAsync(row, payload, expected);
        if (version is null)
        {
            throw Conflict("write", row, grainState.ETag);
        }

        grainState.ETag = version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (ParseETag(grainState.ETag) is not { } expected)
        {
            return; // nothing stored yet
        }

        var row = RowKey.Of(_serviceId, stateName, grainId);
        await using var command = _source.CreateCommand(ClearSql);
        row.AddTo(command.Parameters);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expected });
        if (await command.ExecuteScalarAsync() is not int version)
        {
            throw Conflict("clear", row, grainState.ETag);
        }

        grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
        grainState.State = _activators.GetActivator<T>().Create();
    }

    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync();
        await _source.DisposeAsync();
    }

    private static int? ParseETag(string? etag)
        => string.IsNullOrEmpty(etag) ? null : int.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);

    private InconsistentStateException Conflict(string operation, RowKey row, string? etag)
    {
        LogConflict(_logger, _name, operation, row.Extension, etag);
        return new InconsistentStateException($"Version conflict ({operation}): provider {_name}, state {row.StateName}, grain {row.Extension}, ETag {etag ?? "(none)"}.");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Storage {Provider}: {Operation} of {Grain} with ETag {ETag} lost to another writer")]
    private static partial void LogConflict(ILogger logger, string provider, string operation, string grain, string? etag);
}

/// <summary>
/// The identity of a grain state row, as Orleans' ADO.NET provider forms it: string keys in the extension column,
/// integer and GUID keys split into two 64-bit numbers.
/// </summary>
internal readonly record struct RowKey(string ServiceId, string StateName, long N0, long N1, string Extension)
{
    public static RowKey Of(string serviceId, string stateName, GrainId grainId)
    {
        if (grainId.TryGetGuidKey(out var guid, out var guidExtension))
        {
            var bytes = guid.ToByteArray();
            return new RowKey(serviceId, stateName, BitConverter.ToInt64(bytes, 0), BitConverter.ToInt64(bytes, 8), guidExtension ?? "");
        }

        if (grainId.TryGetIntegerKey(out var integer, out var integerExtension))
        {
            return new RowKey(serviceId, stateName, 0, integer, integerExtension ?? "");
        }

        return new RowKey(serviceId, stateName, 0, 0, grainId.Key.ToString()!);
    }

    public void AddTo(NpgsqlParameterCollection parameters)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId, NpgsqlDbType = NpgsqlDbType.Varchar });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = StateName, NpgsqlDbType = NpgsqlDbType.Varchar });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = N0 });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = N1 });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = Extension, NpgsqlDbType = NpgsqlDbType.Text });
    }

    public override string ToString() => new StringBuilder().Append(StateName).Append('/').Append(Extension).ToString();
}
