using CasPaxos.Postgres.Local;
using Microsoft.AspNetCore.Builder;
using Orleans.TestingHost;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// The PostgreSQL server the cluster tests write to (a private server started for the test run, or the server named by
/// CASPAXOS_TEST_POSTGRES), and a five-silo cluster with five replicas per register shared by the tests that do not
/// stop silos. Tests that kill silos start clusters of their own on the same server, each under its own service id.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string ConnectionStringVariable = "CASPAXOS_TEST_POSTGRES";
    public const int SharedSilos = 5;
    public const int SharedReplicas = 5;

    private LocalPostgres? _server;
    private Lazy<Task<InProcessTestCluster>>? _shared;
    private Lazy<Task<(WebApplication App, Uri Address)>>? _httpSilo;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (string.IsNullOrWhiteSpace(configured))
        {
            _server = await LocalPostgres.StartAsync();
            configured = _server.ConnectionString;
        }

        ConnectionString = configured;
        await CasPaxosSchema.ApplyAsync(ConnectionString);
        _shared = new(() => TestClusters.StartAsync(ConnectionString, SharedSilos, SharedReplicas));
        _httpSilo = new(() => SiloHosts.StartInProcessAsync(SiloHosts.Settings(ConnectionString, TestClusters.NewServiceId(),
            Processes.FreePorts(1), Processes.FreePorts(1), httpPort: 0, replicas: 1)));
    }

    public Task<InProcessTestCluster> SharedClusterAsync() => _shared!.Value;

    /// <summary>One silo of the silo host program with its HTTP API on a real Kestrel on loopback (one replica per register).</summary>
    public async Task<Uri> HttpSiloAsync() => (await _httpSilo!.Value).Address;

    public async Task DisposeAsync()
    {
        if (_shared is { IsValueCreated: true })
        {
            await (await _shared.Value).DisposeAsync();
        }

        if (_httpSilo is { IsValueCreated: true })
        {
            await (await _httpSilo.Value).App.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresClusters : ICollectionFixture<ClusterFixture>
{
    public const string Name = "PostgreSQL clusters";
}
