using System.Net;
using System.Runtime.InteropServices;
using CasPaxos.Orleans;
using CasPaxos.Orleans.Silo;
using CasPaxos.Postgres.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

// With nothing configured, this starts a local cluster of silos on a private PostgreSQL server, shows a few changes
// through a real Orleans client, stops one silo to show the registers still answering, and serves until Ctrl-C.
var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();
var settings = configuration.GetSection("LocalCluster").Get<LocalClusterSettings>() ?? new LocalClusterSettings();
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddConfiguration(configuration.GetSection("Logging"))
    .AddSimpleConsole(console => console.SingleLine = true));

using var shutdown = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    shutdown.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    shutdown.Cancel();
});

LocalPostgres? postgres = null;
var silos = new List<IHost>();
IHost? client = null;
try
{
    var connectionString = configuration.GetConnectionString("CasPaxos");
    if (string.IsNullOrWhiteSpace(connectionString))
    {
        Console.WriteLine("No connection string configured (ConnectionStrings:CasPaxos): starting a private PostgreSQL server...");
        postgres = await LocalPostgres.StartAsync(
            new LocalPostgresOptions { DataDirectory = string.IsNullOrWhiteSpace(settings.PostgresDataDirectory) ? null : settings.PostgresDataDirectory },
            loggerFactory.CreateLogger<LocalPostgres>(), shutdown.Token);
        connectionString = postgres.ConnectionString;
        Console.WriteLine($"PostgreSQL: {connectionString} (data in {postgres.DataDirectory}{(settings.PostgresDataDirectory is { Length: > 0 } ? "" : ", removed on exit")})");
    }

    await CasPaxosSchema.ApplyAsync(connectionString, shutdown.Token);
    for (var i = 0; i < settings.Silos; i++)
    {
        Console.WriteLine($"Starting silo {i + 1} of {settings.Silos} (silo port {settings.SiloPort + i}, gateway port {settings.GatewayPort + i})...");
        var silo = BuildSilo(i, connectionString);
        await silo.StartAsync(shutdown.Token);
        silos.Add(silo);
    }

    client = Host.CreateDefaultBuilder()
        .ConfigureLogging(logging => logging.ClearProviders())
        .UseOrleansClient(clientBuilder => clientBuilder
            .UseLocalhostClustering(Enumerable.Range(settings.GatewayPort, settings.Silos).ToArray(), settings.ServiceId, settings.ClusterId)
            .AddCasPaxos(options => configuration.GetSection(CasPaxosOptions.SectionName).Bind(options)))
        .Build();
    await client.StartAsync(shutdown.Token);

    await Demonstration.RunAsync(client.Services.GetRequiredService<IClusterClient>(), silos, shutdown.Token);

    Console.WriteLine();
    Console.WriteLine($"Serving. Orleans clients connect with UseLocalhostClustering(gateways {settings.GatewayPort}..{settings.GatewayPort + settings.Silos - 1}, " +
        $"serviceId \"{settings.ServiceId}\", clusterId \"{settings.ClusterId}\") and AddCasPaxos(). Press Ctrl-C to stop.");
    await Task.Delay(Timeout.Infinite, shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
{
    Console.WriteLine("Stopping...");
}
catch (Exception error) when (error is LocalPostgresException or Npgsql.NpgsqlException or OrleansConfigurationException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    Environment.ExitCode = 1;
}
finally
{
    if (client is not null)
    {
        await client.StopAsync();
        client.Dispose();
    }

    foreach (var silo in Enumerable.Reverse(silos))
    {
        await silo.StopAsync();
        silo.Dispose();
    }

    if (postgres is not null)
    {
        await postgres.DisposeAsync();
    }
}

IHost BuildSilo(int index, string connectionString)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Configuration.AddConfiguration(configuration);
    builder.Logging.ClearProviders();
    builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
    builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
    builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
    builder.UseOrleans(silo => silo
        .UseLocalhostClustering(settings.SiloPort + index, settings.GatewayPort + index,
            new IPEndPoint(IPAddress.Loopback, settings.SiloPort), settings.ServiceId, settings.ClusterId)
        .AddCasPaxos(options => configuration.GetSection(CasPaxosOptions.SectionName).Bind(options))
        .AddCasPaxosPostgresStorage(connectionString, applySchema: false));
    return builder.Build();
}
