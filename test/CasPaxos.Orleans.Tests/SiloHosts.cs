using System.Diagnostics;
using System.Globalization;
using System.Text;
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

    /// <summary>A silo host process, its output kept for failure messages.</summary>
    public sealed class SiloProcess : IAsyncDisposable
    {
        private readonly Dictionary<string, string> _settings;
        private readonly StringBuilder _log = new();
        private Process? _process;

        public SiloProcess(Dictionary<string, string> settings)
        {
            _settings = settings;
            HttpPort = new Uri(settings["ASPNETCORE_URLS"]).Port;
        }

        public int HttpPort { get; }

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

        public void Start()
        {
            _process?.Dispose();
            _process = Process.Start(Processes.Dotnet(Processes.Program("CasPaxos.Orleans.Silo", "CasPaxos.Orleans.Silo"), [], _settings))!;
            _ = Processes.Pump(_process.StandardOutput, _log);
            _ = Processes.Pump(_process.StandardError, _log);
        }

        public void Kill() => _process!.Kill(entireProcessTree: true);

        public async Task WaitReadyAsync(HttpClient http, TimeSpan timeout)
        {
            await Eventually.Get(async () =>
            {
                if (_process!.HasExited)
                {
                    throw new InvalidOperationException($"The silo exited with {_process.ExitCode}:{Environment.NewLine}{Log}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/health/ready"));
                    return response.IsSuccessStatusCode ? "ready" : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, timeout, $"the silo on HTTP port {HttpPort} to be ready");
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is not null)
            {
                await Processes.StopAsync(_process, TimeSpan.FromSeconds(20));
                _process.Dispose();
            }
        }
    }
}
