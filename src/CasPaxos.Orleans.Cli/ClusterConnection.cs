using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace CasPaxos.Orleans.Cli;

/// <summary>How caspaxos reaches a cluster: a list of gateways and the cluster's ids.</summary>
internal sealed record ClusterConnection(IReadOnlyList<IPEndPoint> Gateways, string ClusterId, string ServiceId)
{
    public static bool TryParseGateway(string text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (IPEndPoint.TryParse(text, out var parsed) && parsed.Port != 0)
        {
            endpoint = parsed;
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], out var port) && port is > 0 and < 65536)
        {
            var addresses = Dns.GetHostAddresses(text[..colon]);
            if (addresses.Length > 0)
            {
                endpoint = new IPEndPoint(addresses[0], port);
                return true;
            }
        }

        return false;
    }

    /// <summary>Connects an Orleans client; throws <see cref="ConnectionFailedException"/> when no gateway answers.</summary>
    public async Task<IHost> ConnectAsync(CancellationToken cancellationToken)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleansClient(client => client
                .UseStaticClustering([.. Gateways])
                .Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = ClusterId;
                    options.ServiceId = ServiceId;
                })
                .Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(10))
                .AddCasPaxos())
            .Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            host.Dispose();
            throw new ConnectionFailedException(
                $"Could not connect to cluster \"{ClusterId}\" (service \"{ServiceId}\") through {string.Join(", ", Gateways)}: {error.Message}", error);
        }
    }
}

internal sealed class ConnectionFailedException(string message, Exception inner) : Exception(message, inner);
