using System.Globalization;
using System.Net.Http.Json;
using CasPaxos.Postgres.Local;
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
        var silos = local.GetValue("Silos", 3);
        var siloPort = local.GetValue("SiloPort", 11111);
        var gatewayPort = local.GetValue("GatewayPort", 30000);
        var httpPort = local.GetValue("HttpPort", 8080);
        var clusterId = local["ClusterId"] is { Length: > 0 } id ? id : "caspaxos";
        var serviceId = local["ServiceId"] is { Length: > 0 } service ? service : "caspaxos";
        var replicas = configuration.GetValue("CasPaxos:ReplicaCount", 3);
        if (silos < 1 || replicas > silos)
        {
            throw new SiloConfigurationException(
                $"CasPaxos:ReplicaCount ({replicas}) is above the number of silos (LocalCluster:Silos = {silos}): the replicas of a register would share silos, " +
                "and one silo failure could cost a quorum. Start at least as many silos as replicas.");
        }

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        LocalPostgres? postgres = null;
        var processes = new List<SiloProcess>();
        try
        {
            var connectionString = configuration.GetConnectionString(SiloSettings.DefaultConnectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                Console.WriteLine("No connection string configured (ConnectionStrings:CasPaxos): starting a private PostgreSQL server...");
                var dataDirectory = local["PostgresDataDirectory"];
                postgres = await LocalPostgres.StartAsync(
                    new LocalPostgresOptions { DataDirectory = string.IsNullOrWhiteSpace(dataDirectory) ? null : dataDirectory },
                    loggerFactory.CreateLogger<LocalPostgres>(), shutdown);
                connectionString = postgres.ConnectionString;
                Console.WriteLine($"PostgreSQL: {connectionString} (data in {postgres.DataDirectory}{(string.IsNullOrWhiteSpace(dataDirectory) ? ", removed on exit" : "")})");
            }

            await CasPaxosSiloHost.ApplySchemaAsync(new SiloSettings
            {
                ClusterId = clusterId,
                ServiceId = serviceId,
                SiloPort = siloPort,
                GatewayPort = gatewayPort,
                MembershipConnectionString = connectionString,
                ReplicaConnectionStrings = [connectionString],
                ReplicaCount = replicas,
            }, shutdown);

            for (var i = 0; i < silos; i++)
            {
                var process = new SiloProcess(i + 1, new Dictionary<string, string>
                {
                    ["LocalCluster__Enabled"] = "false",
                    ["ConnectionStrings__CasPaxos"] = connectionString,
                    ["Orleans__ClusterId"] = clusterId,
                    ["Orleans__ServiceId"] = serviceId,
                    ["Orleans__Endpoints__SiloPort"] = (siloPort + i).ToString(CultureInfo.InvariantCulture),
                    ["Orleans__Endpoints__GatewayPort"] = (gatewayPort + i).ToString(CultureInfo.InvariantCulture),
                    ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
                    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort + i}",
                    // A killed sibling makes Orleans warn about every lost connection; keep the demonstration readable.
                    ["Logging__LogLevel__Orleans"] = "Error",
                }, args);
                processes.Add(process);
                Console.WriteLine($"Starting silo {i + 1} of {silos}: silo port {siloPort + i}, gateway port {gatewayPort + i}, HTTP http://127.0.0.1:{httpPort + i}");
                process.Start();
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            for (var i = 0; i < silos; i++)
            {
                await WaitReadyAsync(http, httpPort + i, processes[i], shutdown);
            }

            using var client = await ConnectClientAsync(connectionString, clusterId, serviceId, shutdown);
            try
            {
                await Demonstration.RunAsync(client.Services.GetRequiredService<IClusterClient>(), processes, silo => WaitReadyAsync(http, httpPort + silo.Number - 1, silo, shutdown), shutdown);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                Console.WriteLine($"  the demonstration stopped: {error.GetType().Name}: {error.Message}");
            }

            Console.WriteLine();
            Console.WriteLine($"Serving: {silos} silos, cluster \"{clusterId}\", service \"{serviceId}\". Try:");
            Console.WriteLine($"  curl -X PUT --data 'hello' http://127.0.0.1:{httpPort}/registers/greeting");
            Console.WriteLine($"  curl http://127.0.0.1:{httpPort + 1}/registers/greeting");
            Console.WriteLine($"  curl -X POST 'http://127.0.0.1:{httpPort}/registers/visits?increment=1'");
            Console.WriteLine($"  dotnet run --project src/CasPaxos.Orleans.Cli -- get greeting --postgres \"{connectionString}\"");
            Console.WriteLine($"  dotnet run --project src/CasPaxos.Orleans.Cli -- inc visits -g 127.0.0.1:{gatewayPort}");
            Console.WriteLine("Press Ctrl-C to stop.");
            await Task.Delay(Timeout.Infinite, shutdown);
            return 0;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            Console.WriteLine("Stopping...");
            return 0;
        }
        finally
        {
            await Task.WhenAll(processes.Select(process => process.StopAsync(TimeSpan.FromSeconds(30))));
            foreach (var process in processes)
            {
                process.Dispose();
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
        }
    }

    private static async Task WaitReadyAsync(HttpClient http, int port, SiloProcess silo, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (silo.ProcessId is null)
            {
                throw new SiloConfigurationException($"Silo {silo.Number} exited during start-up; its messages are above.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    var ready = await response.Content.ReadFromJsonAsync<ReadyBody>(cancellationToken);
                    Console.WriteLine($"Silo {silo.Number} is ready ({ready?.Silo}, {ready?.ActiveSilos} active silos).");
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // slow to answer while starting
            }

            await Task.Delay(500, cancellationToken);
        }

        throw new SiloConfigurationException($"Silo {silo.Number} did not become ready within 90 s.");
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

    private sealed record ReadyBody(string Silo, int ActiveSilos);
}
