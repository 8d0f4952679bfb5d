using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CasPaxos.Postgres.Local;

/// <summary>
/// A private PostgreSQL server on 127.0.0.1, initialised and started from the machine's PostgreSQL programs.
/// It runs with fsync on: data written to it is as durable as on any PostgreSQL server on this disk.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, so when this process is root the server runs as the "postgres" user
/// (through runuser) in a folder that user owns.
/// </remarks>
public sealed partial class LocalPostgres : IAsyncDisposable
{
    private const string TempPrefix = "caspaxos-pg-";
    private const string OwnerFile = "owner.pid";

    private readonly LocalPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly string _binDirectory;
    private readonly string? _temporaryRoot;
    private readonly string _runDirectory;
    private bool _running;

    private LocalPostgres(LocalPostgresOptions options, ILogger logger, string binDirectory, string? temporaryRoot, string dataDirectory, string runDirectory, int port)
    {
        _options = options;
        _logger = logger;
        _binDirectory = binDirectory;
        _temporaryRoot = temporaryRoot;
        DataDirectory = dataDirectory;
        _runDirectory = runDirectory;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    /// <summary>Where the server writes its log.</summary>
    public string LogFile => Path.Combine(_runDirectory, "server.log");

    /// <summary>Connection string to the caller's database (superuser "postgres", trust authentication on loopback).</summary>
    public string ConnectionString => BuildConnectionString(_options.Database);

    private static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>Initialises (if needed) and starts a server, and creates the database named in the options.</summary>
    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalPostgresOptions();
        logger ??= NullLogger.Instance;
        var bin = PostgresBinaries.Locate(options.BinDirectory);
        RemoveAbandonedServers(bin, logger);

        string? temporaryRoot = null;
        string dataDirectory;
        string runDirectory;
        if (options.DataDirectory is null)
        {
            temporaryRoot = Path.Combine(Path.GetTempPath(), TempPrefix + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(temporaryRoot);
            await File.WriteAllTextAsync(Path.Combine(temporaryRoot, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            dataDirectory = Path.Combine(temporaryRoot, "data");
            runDirectory = temporaryRoot;
        }
        else
        {
            dataDirectory = Path.GetFullPath(options.DataDirectory);
            Directory.CreateDirectory(dataDirectory);
            runDirectory = dataDirectory;
        }

        var port = options.Port != 0 ? options.Port : FreePort();
        var server = new LocalPostgres(options, logger, bin, temporaryRoot, dataDirectory, runDirectory, port);
        try
        {
            await server.InitialiseAsync(cancellationToken).ConfigureAwait(false);
            await server.StartServerAsync(cancellationToken).ConfigureAwait(false);
            await server.CreateDatabaseAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server (fast shutdown: open transactions roll back, committed data stays).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_running)
        {
            return;
        }

        await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", Seconds(_options.StartTimeout), "stop"], cancellationToken).ConfigureAwait(false);
        _running = false;
        LogStopped(_logger, Port);
    }

    /// <summary>Starts a stopped server again on the same port and data.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) => _running ? Task.CompletedTask : StartServerAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            if (_temporaryRoot is not null && Directory.Exists(_temporaryRoot))
            {
                Directory.Delete(_temporaryRoot, recursive: true);
            }
        }
    }

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        GiveToServerUser(_runDirectory);
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return; // an existing cluster: keep its data
        }

        Directory.CreateDirectory(DataDirectory); // initdb takes an empty folder, and as root it must be the postgres user's
        GiveToServerUser(DataDirectory);
        var arguments = new List<string> { "-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale" };
        if (_temporaryRoot is not null)
        {
            arguments.Add("--no-sync"); // a throwaway cluster's catalog need not survive a power cut; the server itself syncs
        }

        await RunAsync("initdb", arguments, cancellationToken).ConfigureAwait(false);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var serverOptions = string.Join(' ',
            $"-p {Port}",
            $"-k {_runDirectory}",
            "-c listen_addresses=127.0.0.1",
            $"-c max_connections={_options.MaxConnections}",
            "-c fsync=on",
            "-c synchronous_commit=on");
        await RunAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", Seconds(_options.StartTimeout), "-o", serverOptions, "start"], cancellationToken).ConfigureAwait(false);
        _running = true;
        LogStarted(_logger, Port, DataDirectory);
    }

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(BuildConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", _options.Database);
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_options.Database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private string BuildConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        Pooling = true,
    }.ConnectionString;

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var executable = Path.Combine(_binDirectory, program);
        if (RunningAsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", "postgres", "--", executable])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = executable;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new LocalPostgresException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var log = File.Exists(LogFile) ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(15)) : "";
            throw new LocalPostgresException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()} {(await output.ConfigureAwait(false)).Trim()}" +
                (log.Length > 0 ? $"{Environment.NewLine}Server log ({LogFile}):{Environment.NewLine}{log}" : ""));
        }
    }

    /// <summary>When running as root, the server's folders must belong to the postgres user.</summary>
    private static void GiveToServerUser(string directory)
    {
        if (!RunningAsRoot || OperatingSystem.IsWindows())
        {
            return;
        }

        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "postgres:postgres", directory]) { RedirectStandardError = true })
            ?? throw new LocalPostgresException("Could not start chown.");
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new LocalPostgresException($"Could not give {directory} to the postgres user (PostgreSQL does not run as root): {error.Trim()}");
        }

        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Stops and removes temporary servers whose owning process has died without cleaning up.</summary>
    private static void RemoveAbandonedServers(string binDirectory, ILogger logger)
    {
        foreach (var root in Directory.EnumerateDirectories(Path.GetTempPath(), TempPrefix + "*"))
        {
            var ownerPath = Path.Combine(root, OwnerFile);
            if (!File.Exists(ownerPath) || !int.TryParse(File.ReadAllText(ownerPath), out var owner) || Directory.Exists($"/proc/{owner}"))
            {
                continue;
            }

            var data = Path.Combine(root, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                var stop = new ProcessStartInfo(RunningAsRoot ? "runuser" : Path.Combine(binDirectory, "pg_ctl")) { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var argument in (RunningAsRoot ? (string[])["-u", "postgres", "--", Path.Combine(binDirectory, "pg_ctl")] : []).Concat(["-D", data, "-m", "immediate", "-w", "stop"]))
                {
                    stop.ArgumentList.Add(argument);
                }

                using var process = Process.Start(stop);
                process?.WaitForExit();
            }

            try
            {
                Directory.Delete(root, recursive: true);
                LogRemovedAbandoned(logger, root, owner);
            }
            catch (IOException)
            {
                // another process is cleaning it up at the same time
            }
            catch (UnauthorizedAccessException)
            {
                // not ours to remove
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Seconds(TimeSpan timeout) => ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Private PostgreSQL listening on 127.0.0.1:{Port}, data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Private PostgreSQL on port {Port} stopped")]
    private static partial void LogStopped(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed abandoned private PostgreSQL {Folder} of dead process {Owner}")]
    private static partial void LogRemovedAbandoned(ILogger logger, string folder, int owner);
}
