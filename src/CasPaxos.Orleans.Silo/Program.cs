using System.Runtime.InteropServices;
using CasPaxos.Orleans.Silo;
using CasPaxos.Postgres.Local;
using Microsoft.Extensions.Configuration;
using Orleans.Runtime;

// One program, two roles. With a PostgreSQL connection string configured it is one silo (what a container runs).
// Without one, it starts a local cluster: a private PostgreSQL server and three silos as child processes of itself.
var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();

try
{
    if (LocalClusterLauncher.IsWanted(configuration))
    {
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
        return await LocalClusterLauncher.RunAsync(configuration, args, shutdown.Token);
    }

    var app = CasPaxosSiloHost.Build(args);
    var settings = app.Services.GetRequiredService<SiloSettings>();
    if (settings.ApplySchema)
    {
        await CasPaxosSiloHost.ApplySchemaAsync(settings, CancellationToken.None);
    }

    await app.RunAsync();
    return 0;
}
catch (SiloConfigurationException error)
{
    await Console.Error.WriteLineAsync($"configuration error: {error.Message}");
    return 2;
}
catch (OrleansConfigurationException error)
{
    await Console.Error.WriteLineAsync($"configuration error: {error.Message}");
    return 2;
}
catch (Exception error) when (error is DatabaseUnreachableException or LocalPostgresException)
{
    await Console.Error.WriteLineAsync($"error: {error.Message}");
    return 3;
}
