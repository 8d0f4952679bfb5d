using System.Globalization;
using CasPaxos.Postgres.Local;
using Microsoft.Extensions.Logging;

namespace CasPaxos.Orleans.LocalCluster;

/// <summary>
/// A cluster of silo processes on this machine: a private PostgreSQL server (or a given one) with the schema applied,
/// and N processes of the silo program on PostgreSQL membership, each on its own ports.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalPostgres? _postgres;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private LocalCluster(LocalClusterOptions options, LocalPostgres? postgres, string connectionString, IReadOnlyList<LocalSilo> silos)
    {
        Options = options;
        _postgres = postgres;
        ConnectionString = connectionString;
        Silos = silos;
    }

    public LocalClusterOptions Options { get; }

    public string ConnectionString { get; }

    /// <summary>Where the private PostgreSQL server keeps its data (null when the cluster uses a given server).</summary>
    public string? PostgresDataDirectory => _postgres?.DataDirectory;

    public IReadOnlyList<LocalSilo> Silos { get; }

    public HttpClient Http => _http;

    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Silos < 1 || options.ReplicaCount > options.Silos)
        {
            throw new LocalClusterException(
                $"CasPaxos:ReplicaCount ({options.ReplicaCount}) is above the number of silos ({options.Silos}): the replicas of a register would share " +
                "silos, and one silo failure could cost a quorum. Start at least as many silos as replicas.");
        }

        if (!File.Exists(options.SiloProgram))
        {
            throw new LocalClusterException($"The silo program {options.SiloProgram} does not exist: build src/CasPaxos.Orleans.Silo first.");
        }

        LocalPostgres? postgres = null;
        var connectionString = options.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions { DataDirectory = options.PostgresDataDirectory }, logger, cancellationToken);
            connectionString = postgres.ConnectionString;
        }

        var silos = new List<LocalSilo>();
        var cluster = new LocalCluster(options, postgres, connectionString, silos);
        try
        {
            await CasPaxosSchema.ApplyAsync(connectionString, cancellationToken);
            for (var i = 0; i < options.Silos; i++)
            {
                silos.Add(cluster.CreateSilo(i));
            }

            foreach (var silo in silos)
            {
                silo.Start();
            }

            foreach (var silo in silos)
            {
                await silo.WaitReadyAsync(cluster._http, cancellationToken);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Silos.Select(silo => silo.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        _http.Dispose();
    }

    private LocalSilo CreateSilo(int index)
    {
        var o = Options;
        var settings = new Dictionary<string, string>(o.SiloSettings)
        {
            ["LocalCluster__Enabled"] = "false",
            ["ConnectionStrings__CasPaxos"] = ConnectionString,
            ["Orleans__ClusterId"] = o.ClusterId,
            ["Orleans__ServiceId"] = o.ServiceId,
            ["Orleans__Endpoints__SiloPort"] = Text(o.SiloPort + index),
            ["Orleans__Endpoints__GatewayPort"] = Text(o.GatewayPort + index),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{o.HttpPort + index}",
            ["CasPaxos__ReplicaCount"] = Text(o.ReplicaCount),
            ["CasPaxos__Storage__ApplySchema"] = "false",
        };

        // Several silos share this machine's cores: a server GC heap and GC thread per core in every process costs more
        // than it brings (W2 about 15% faster with workstation GC on 2 cores). The settings or the environment may say otherwise.
        settings.TryAdd("DOTNET_gcServer", Environment.GetEnvironmentVariable("DOTNET_gcServer") ?? "0");
        return LocalSilo.Create(index + 1, o.SiloProgram, settings, o.SiloArguments, o.Output, o.ReadyTimeout);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
