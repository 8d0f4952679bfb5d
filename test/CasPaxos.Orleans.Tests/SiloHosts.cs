using System.Globalization;
using System.Text;
using CasPaxos.Orleans.LocalCluster;
using CasPaxos.Orleans.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CasPaxos.Orleans.Tests;

/// <summary>Silos of the silo host program: in this process (with a real Kestrel on loopback), or as processes of their own.</summary>
internal static class SiloHosts
{
    /// <summary>Configuration of one silo of cluster <paramref name="clusterId"/>, as environment variable names and values.</summary>
    public static Dictionary<string, string> Settings(string connectionString, string clusterId, int siloPort, int gatewayPort, int httpPort, int replicas)
        => new()
        {
            ["LocalCluster__Enabled"] = "false",
            ["ConnectionStrings__CasPaxos"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Orleans__Endpoints__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["CasPaxos__ReplicaCount"] = replicas.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>Starts a silo web application in this process and returns it with the address Kestrel listens on.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartInProcessAsync(IDictionary<string, string> settings)
    {
        // Environment-style names become command-line configuration: "A__B" is "--A:B".
        var args = settings.Where(s => s.Key != "ASPNETCORE_URLS")
            .Select(s => $"--{s.Key.Replace("__", ":", StringComparison.Ordinal)}={s.Value}")
            .Append($"--urls={settings["ASPNETCORE_URLS"]}")
            .ToArray();
        var app = CasPaxosSiloHost.Build(args);
        await CasPaxosSiloHost.ApplySchemaAsync(app.Services.GetRequiredService<SiloSettings>(), CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    /// <summary>The silo host program as a process, its output kept for failure messages.</summary>
    public sealed class HostProcess : IAsyncDisposable
    {
        private readonly StringBuilder _log = new();
        private readonly LocalSilo _silo;
        private bool _disposed;

        public HostProcess(Dictionary<string, string> settings)
        {
            _silo = LocalSilo.Create(1, Processes.Program("CasPaxos.Orleans.Silo", "CasPaxos.Orleans.Silo"), settings, [], (_, line) =>
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }, TimeSpan.FromSeconds(90));
        }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public void Start() => _silo.Start();

        public async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                await _silo.StopAsync(TimeSpan.FromSeconds(20));
                _silo.Dispose();
            }
        }
    }
}
