using CasPaxos.Orleans.LocalCluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CasPaxos.Orleans.Silo;

/// <summary>
/// With nothing configured: a private PostgreSQL server, three silo processes of this program on PostgreSQL membership,
/// a demonstration through a real Orleans client (one silo killed and restarted on the way), then serving until
/// Ctrl-C. Section "LocalCluster" tunes it; a connection string points it at an existing server.
/// </summary>
internal static class LocalClusterLauncher
{
    public static bool IsWanted(IConfiguration configuration)
        => bool.TryParse(configuration["LocalCluster:Enabled"], out var enabled)
            ? enabled
            : string.IsNullOrWhiteSpace(configuration.GetConnectionString(SiloSettings.DefaultConnectionName));

    public static async Task<int> RunAsync(IConfiguration configuration, string[] args, CancellationToken shutdown)
    {
        var local = configuration.GetSection("LocalCluster");
        var dataDirectory = local["PostgresDataDirectory"];
        var options = new LocalClusterOptions
        {
            SiloProgram = typeof(LocalClusterLauncher).Assembly.Location,
            SiloArguments = args,
            Silos = local.GetValue("Silos", 3),
            SiloPort = local.GetValue("SiloPort", 11111),
            GatewayPort = local.GetValue("GatewayPort", 30000),
            HttpPort = local.GetValue("HttpPort", 8080),
            ClusterId = local["ClusterId"] is { Length: > 0 } clusterId ? clusterId : "caspaxos",
            ServiceId = local["ServiceId"] is { Length: > 0 } serviceId ? serviceId : "caspaxos",
            ReplicaCount = configuration.GetValue("CasPaxos:ReplicaCount", 3),
            ConnectionString = configuration.GetConnectionString(SiloSettings.DefaultConnectionName),
            PostgresDataDirectory = string.IsNullOrWhiteSpace(dataDirectory) ? null : dataDirectory,
            // A killed sibling makes Orleans warn about every lost connection; keep the demonstration readable.
            SiloSettings = new Dictionary<string, string> { ["Logging__LogLevel__Orleans"] = "Error" },
            Output = (silo, line) => Console.WriteLine($"[silo {silo}] {line}"),
        };

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            Console.WriteLine("No connection string configured (ConnectionStrings:CasPaxos): starting a private PostgreSQL server...");
        }

        Console.WriteLine($"Starting {options.Silos} silos: silo ports {options.SiloPort}.., gateway ports {options.GatewayPort}.., HTTP http://127.0.0.1:{options.HttpPort}..");
        LocalCluster.LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.LocalCluster.StartAsync(options, loggerFactory.CreateLogger("CasPaxos.LocalCluster"), shutdown);
        }
        catch (LocalClusterException error)
        {
            throw new SiloConfigurationException(error.Message);
        }

        await using (cluster)
        {
            try
            {
                Console.WriteLine($"PostgreSQL: {cluster.ConnectionString}{(cluster.PostgresDataDirectory is { } data ? $" (data in {data}{(options.PostgresDataDirectory is null ? ", removed on exit" : "")})" : "")}");
                Console.WriteLine($"{cluster.Silos.Count} silos are ready.");
                using var client = await ConnectClientAsync(cluster.ConnectionString, options.ClusterId, options.ServiceId, shutdown);
                try
                {
                    await Demonstration.RunAsync(client.Services.GetRequiredService<IClusterClient>(), cluster, shutdown);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    Console.WriteLine($"  the demonstration stopped: {error.GetType().Name}: {error.Message}");
                }

                var first = cluster.Silos[0].HttpAddress;
                Console.WriteLine();
                Console.WriteLine($"Serving: {cluster.Silos.Count} silos, cluster \"{options.ClusterId}\", service \"{options.ServiceId}\". Try:");
                Console.WriteLine($"  curl -X PUT --data 'hello' {first}registers/greeting");
                Console.WriteLine($"  curl {cluster.Silos[^1].HttpAddress}registers/greeting");
                Console.WriteLine($"  curl -X POST '{first}registers/visits?increment=1'");
                Console.WriteLine($"  dotnet run --project src/CasPaxos.Orleans.Cli -- get greeting --postgres \"{cluster.ConnectionString}\"");
                Console.WriteLine($"  dotnet run --project src/CasPaxos.Orleans.Cli -- inc visits -g 127.0.0.1:{options.GatewayPort}");
                Console.WriteLine("Press Ctrl-C to stop.");
                await Task.Delay(Timeout.Infinite, shutdown);
                return 0;
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                Console.WriteLine("Stopping...");
                return 0;
            }
        }
    }

    private static async Task<IHost> ConnectClientAsync(string connectionString, string clusterId, string serviceId, CancellationToken cancellationToken)
    {
        var client = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleansClient(builder => builder
                .UseAdoNetClustering(options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = connectionString;
                })
                .Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = serviceId;
                })
                .Configure<ClientMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(10))
                .AddCasPaxos())
            .Build();
        await client.StartAsync(cancellationToken);
        return client;
    }
}
