using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace CasPaxos.Orleans.Tests;

/// <summary>In-process Orleans clusters whose acceptors store their state in real PostgreSQL.</summary>
internal static class TestClusters
{
    public static async Task<InProcessTestCluster> StartAsync(string connectionString, short silos, int replicas,
        string? serviceId = null, Action<CasPaxosOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null,
        Action<IClientBuilder>? configureClient = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId ?? NewServiceId();
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddCasPaxos(options =>
            {
                options.ReplicaCount = replicas;
                options.ChangeTimeout = TimeSpan.FromSeconds(5);
                options.AcceptorCallTimeout = TimeSpan.FromSeconds(1);
                configure?.Invoke(options);
            });
            silo.AddCasPaxosPostgresStorage(connectionString, applySchema: false);
            // Orleans' ADO.NET provider on the same table, for tests that check both providers.
            silo.AddCasPaxosPostgresStorage(connectionString, AdoNetStorageName, applySchema: false, configure: o => o.Provider = PostgresStorageProvider.AdoNet);
            silo.Configure<ClusterMembershipOptions>(options =>
            {
                // Declare killed silos dead in seconds, not the production default of tens of seconds.
                options.ProbeTimeout = TimeSpan.FromSeconds(1);
                options.NumMissedProbesLimit = 2;
                options.NumVotesForDeathDeclaration = 1;
                options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            configureSilo?.Invoke(silo);
        });
        builder.ConfigureClient(client =>
        {
            client.AddCasPaxos(configure);
            configureClient?.Invoke(client);
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            // Placement only sees silos whose grain manifests have arrived: wait for every silo to know every other.
            await cluster.WaitForClusterManifestToStabilizeAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public const string AdoNetStorageName = "CasPaxos-adonet";

    public static string NewServiceId() => "test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The grain factory of one silo: calls made through it are proposed by that silo's register workers.</summary>
    public static IGrainFactory GrainFactoryOf(this InProcessTestCluster cluster, InProcessSiloHandle silo)
        => cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<IGrainFactory>();
}
