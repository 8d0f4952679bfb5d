using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace CasPaxos.Orleans.Cli;

/// <summary>
/// How caspaxos reaches a cluster: through PostgreSQL membership (the silos' own table lists the gateways), or through
/// a fixed list of gateways.
/// </summary>
internal sealed record ClusterConnection(string? PostgresConnectionString, IReadOnlyList<IPEndPoint> Gateways, string ClusterId, string ServiceId)
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
            try
            {
                var addresses = Dns.GetHostAddresses(text[..colon]);
                if (addresses.Length > 0)
                {
                    endpoint = new IPEndPoint(addresses[0], port);
                    return true;
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        return false;
    }

    private string Route => PostgresConnectionString is null
        ? $"through {string.Join(", ", Gateways)}"
        : "through PostgreSQL membership";

    /// <summary>How long to keep trying the gateways before giving up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Connects an Orleans client; throws <see cref="ConnectionFailedException"/> when the cluster cannot be reached.</summary>
    public async Task<IHost> ConnectAsync(CancellationToken cancellationToken, Action<IClientBuilder>? configure = null)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleansClient(client =>
            {
                if (PostgresConnectionString is { } connectionString)
                {
                    client.UseAdoNetClustering(options =>
                    {
                        options.Invariant = "Npgsql";
                        options.ConnectionString = connectionString;
                    });
                }
                else
                {
                    client.UseStaticClustering([.. Gateways]);
                }

                client.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = ClusterId;
                    options.ServiceId = ServiceId;
                });
                client.AddCasPaxos();
                configure?.Invoke(client);
            })
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
            return host;
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var reason = error is OperationCanceledException ? $"no gateway answered within {ConnectTimeout.TotalSeconds:0} s" : error.Message;
            throw new ConnectionFailedException($"Could not connect to cluster \"{ClusterId}\" (service \"{ServiceId}\") {Route}: {reason}", error);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}

internal sealed class ConnectionFailedException(string message, Exception inner) : Exception(message, inner);
