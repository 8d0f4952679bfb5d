using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CasPaxos.Orleans.Silo;

/// <summary>
/// One CasPaxos silo as a web application: Orleans with PostgreSQL membership and acceptor storage, the register HTTP
/// API, health endpoints and Prometheus metrics. Everything comes from configuration, see the README.
/// </summary>
internal static class CasPaxosSiloHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        customize?.Invoke(builder);
        var settings = SiloSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.ShutdownTimeout);
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && string.IsNullOrWhiteSpace(builder.Configuration["Kestrel:Endpoints:Http:Url"]))
        {
            builder.WebHost.UseUrls("http://0.0.0.0:8080");
        }

        void BindStorage(PostgresGrainStorageOptions options) => builder.Configuration.GetSection("CasPaxos:Storage").Bind(options);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = settings.ClusterId;
                options.ServiceId = settings.ServiceId;
            });
            if (settings.AdvertisedAddress is { } address)
            {
                silo.ConfigureEndpoints(address, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            }
            else
            {
                silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            }

            // Until a dead silo is declared dead, the grain directory partition it owned cannot place or find grains,
            // so some registers wait: detect in about a second rather than Orleans' default of about fifteen (a refused
            // probe counts at once; the second, indirect one decides). Tunable under Orleans:Membership (ProbeTimeout,
            // NumMissedProbesLimit, NumVotesForDeathDeclaration, ...).
            silo.Services.Configure<ClusterMembershipOptions>(options =>
            {
                options.ProbeTimeout = TimeSpan.FromSeconds(1);
                options.NumMissedProbesLimit = 2;
                options.TableRefreshTimeout = TimeSpan.FromSeconds(10);
            });
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Orleans:Membership"));
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = settings.MembershipConnectionString;
            });
            var storageNames = new List<string>();
            if (settings.SeparateReplicaDatabases)
            {
                for (var replica = 0; replica < settings.ReplicaCount; replica++)
                {
                    var name = $"{CasPaxosOptions.DefaultStorageName}-r{replica}";
                    silo.AddCasPaxosPostgresStorage(settings.ReplicaConnectionStrings[replica], name, applySchema: false, configure: BindStorage);
                    storageNames.Add(name);
                }
            }
            else
            {
                silo.AddCasPaxosPostgresStorage(settings.ReplicaConnectionStrings[0], applySchema: false, configure: BindStorage);
            }

            silo.AddCasPaxos(options =>
            {
                builder.Configuration.GetSection(CasPaxosOptions.SectionName).Bind(options);
                foreach (var name in storageNames)
                {
                    options.StorageNames.Add(name);
                }
            });
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("caspaxos-silo", serviceInstanceId: $"{settings.ClusterId}/{Environment.MachineName}:{settings.SiloPort}"))
            .WithMetrics(metrics =>
        {
            metrics.AddMeter(CasPaxosMetrics.MeterName);
            if (builder.Configuration.GetValue("Metrics:IncludeOrleans", false))
            {
                metrics.AddMeter("Microsoft.Orleans");
            }

            metrics.AddPrometheusExporter();
        });

        var app = builder.Build();
        app.MapHealthEndpoints();
        app.MapRegisterApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>Applies db/caspaxos.sql to every database this silo uses, before Orleans reads its queries from them.</summary>
    public static async Task ApplySchemaAsync(SiloSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var connectionString in settings.ReplicaConnectionStrings.Prepend(settings.MembershipConnectionString).Distinct(StringComparer.Ordinal))
        {
            try
            {
                await CasPaxosSchema.ApplyAsync(connectionString, cancellationToken);
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                var target = new NpgsqlConnectionStringBuilder(connectionString);
                throw new DatabaseUnreachableException(
                    $"PostgreSQL at {target.Host}:{target.Port}, database \"{target.Database}\", cannot be used: {error.Message}", error);
            }
        }
    }
}

/// <summary>A database the silo needs cannot be reached or used.</summary>
internal sealed class DatabaseUnreachableException(string message, Exception inner) : Exception(message, inner);
