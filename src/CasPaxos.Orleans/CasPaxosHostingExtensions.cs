using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace CasPaxos.Orleans;

/// <summary>Adds CasPaxos.Orleans to silos and clients.</summary>
public static class CasPaxosHostingExtensions
{
    /// <summary>
    /// Adds the register and acceptor grains and the replica placement to a silo. The acceptors also need grain
    /// storage: <see cref="AddCasPaxosPostgresStorage"/> (or any storage named as in <see cref="CasPaxosOptions.StorageNames"/>).
    /// </summary>
    public static ISiloBuilder AddCasPaxos(this ISiloBuilder builder, Action<CasPaxosOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddShared(builder.Services, configure);
        builder.Services.AddSingleton<IConfigurationValidator>(sp => new CasPaxosOptionsValidator(sp.GetRequiredService<IOptions<CasPaxosOptions>>(), sp, isSilo: true));
        builder.Services.TryAddSingleton<CasPaxosMetrics>();
        builder.Services.AddMetrics();
        builder.AddPlacementDirector<ReplicaPlacement, ReplicaPlacementDirector>();
        builder.AddOutgoingGrainCallFilter<RegisterCallRedeliveryFilter>(); // register calls made on silos, e.g. by the HTTP API
        return builder;
    }

    /// <summary>
    /// Lets a client call <see cref="IRegisterGrain"/> with bad keys and oversized values refused before they travel
    /// (the silo checks again, authoritatively), and sends a call again when Orleans rejected it before any proposer
    /// ran it (for example while a dead silo's directory partition is reassigned).
    /// </summary>
    public static IClientBuilder AddCasPaxos(this IClientBuilder builder, Action<CasPaxosOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddShared(builder.Services, configure);
        builder.Services.AddSingleton<IConfigurationValidator>(sp => new CasPaxosOptionsValidator(sp.GetRequiredService<IOptions<CasPaxosOptions>>(), sp, isSilo: false));
        builder.AddOutgoingGrainCallFilter<RegisterCallValidationFilter>();
        builder.AddOutgoingGrainCallFilter<RegisterCallRedeliveryFilter>();
        return builder;
    }

    /// <summary>
    /// Registers grain storage <paramref name="name"/> on PostgreSQL in the table of db/caspaxos.sql, applied on silo
    /// start unless <paramref name="applySchema"/> is false. By default the native provider writes, batching a silo's
    /// concurrent writes into one statement and one commit; <see cref="PostgresStorageProvider.AdoNet"/> selects Orleans'
    /// ADO.NET provider instead (one statement per write). Both store acceptor state in the same compact binary form.
    /// A connection string without "Maximum Pool Size" gets 20 connections per silo, so that a few silos stay under
    /// PostgreSQL's default max_connections of 100.
    /// </summary>
    public static ISiloBuilder AddCasPaxosPostgresStorage(this ISiloBuilder builder, string connectionString,
        string name = CasPaxosOptions.DefaultStorageName, bool applySchema = true, Action<PostgresGrainStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new PostgresGrainStorageOptions();
        configure?.Invoke(options);
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase))
        {
            connection.MaxPoolSize = options.MaxPoolSize;
        }

        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            connection.MaxAutoPrepare = options.MaxAutoPrepare;
        }

        // Acceptor statements never change session state, so a pooled connection needs no reset (RESET ALL and
        // friends cost the server a parse and a GUC reset per statement).
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            connection.NoResetOnClose = true;
        }

        var sized = connection.ConnectionString;
        if (options.Provider == PostgresStorageProvider.AdoNet)
        {
            builder.AddAdoNetGrainStorage(name, adoNet => adoNet.Configure<Serializer>((storage, serializer) =>
            {
                storage.Invariant = "Npgsql";
                storage.ConnectionString = sized;
                storage.GrainStorageSerializer = new CasPaxosGrainStorageSerializer(new OrleansGrainStorageSerializer(serializer));
            }));
        }
        else
        {
            builder.Services.AddGrainStorage(name, (services, storageName) => new PostgresGrainStorage(
                storageName,
                services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                sized,
                options,
                new CasPaxosGrainStorageSerializer(new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>())),
                services.GetRequiredService<IActivatorProvider>(),
                services.GetRequiredService<ILogger<PostgresGrainStorage>>()));
        }

        if (applySchema)
        {
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(new SchemaInstaller(sized));
        }

        // An acceptor whose state cannot be read fails its activation with Npgsql's exception; let it travel to the
        // proposer, which tells a refused connection (nothing written) from other errors.
        builder.Services.Configure<ExceptionSerializationOptions>(exceptions => exceptions.SupportedNamespacePrefixes.Add("Npgsql"));
        return builder;
    }

    private static void AddShared(IServiceCollection services, Action<CasPaxosOptions>? configure)
    {
        services.TryAddSingleton(TimeProvider.System);
        var options = services.AddOptions<CasPaxosOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    /// <summary>Applies the schema before grain storage providers read their queries from it.</summary>
    private sealed class SchemaInstaller(string connectionString) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle)
            => lifecycle.Subscribe(nameof(SchemaInstaller), ServiceLifecycleStage.RuntimeStorageServices, ApplyAsync);

        private async Task ApplyAsync(CancellationToken cancellationToken)
        {
            try
            {
                await CasPaxosSchema.ApplyAsync(connectionString, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException)
            {
                var target = new NpgsqlConnectionStringBuilder(connectionString);
                throw new OrleansConfigurationException(
                    $"CasPaxos could not apply its schema to PostgreSQL at {target.Host}:{target.Port}, database \"{target.Database}\": {error.Message}", error);
            }
        }
    }
}
