using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// Cuts one silo off from the other silos: its silo-to-silo connections are aborted and new ones refused, while its
/// gateway still takes client calls. Installed on every silo; <see cref="Isolate"/> acts on the silo it belongs to.
/// </summary>
internal sealed class SiloIsolation
{
    private readonly ConcurrentDictionary<ConnectionContext, byte> _connections = new();
    private volatile bool _isolated;

    public static void Install(ISiloBuilder silo)
    {
        silo.Services.AddSingleton<SiloIsolation>();
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<SiloIsolation>((options, isolation) =>
        {
            options.ConfigureSiloInboundConnection(builder => builder.Use(isolation.Guard));
            options.ConfigureSiloOutboundConnection(builder => builder.Use(isolation.Guard));
        });
    }

    public void Isolate()
    {
        _isolated = true;
        foreach (var connection in _connections.Keys)
        {
            connection.Abort(new ConnectionAbortedException("isolated by the test"));
        }
    }

    private ConnectionDelegate Guard(ConnectionDelegate next) => async connection =>
    {
        if (_isolated)
        {
            connection.Abort(new ConnectionAbortedException("isolated by the test"));
            return;
        }

        _connections.TryAdd(connection, 0);
        try
        {
            await next(connection);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    };
}

/// <summary>
/// Holds back a share of the requests proposers send to acceptors, as a slow network would: requests overtake one
/// another, and some arrive after the proposer stopped waiting for them.
/// </summary>
internal static class AcceptorDelays
{
    public static void Install(ISiloBuilder silo, double share, TimeSpan maxDelay)
        => silo.AddOutgoingGrainCallFilter(async context =>
        {
            if (context.InterfaceMethod?.DeclaringType == typeof(IAcceptorGrain) && Random.Shared.NextDouble() < share)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * maxDelay.TotalMilliseconds));
            }

            await context.Invoke();
        });
}
