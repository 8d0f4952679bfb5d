using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CasPaxos.Orleans.Silo;

/// <summary>A setting is missing or wrong: one sentence naming it, and a non-zero exit.</summary>
internal sealed class SiloConfigurationException(string message) : Exception(message);

/// <summary>What one silo process needs, read from configuration (appsettings.json, environment, command line).</summary>
internal sealed record SiloSettings
{
    public const string DefaultConnectionName = "CasPaxos";

    public required string ClusterId { get; init; }

    public required string ServiceId { get; init; }

    public required int SiloPort { get; init; }

    public required int GatewayPort { get; init; }

    /// <summary>The address other silos and clients use; null lets Orleans pick this host's first non-loopback address.</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    public required string MembershipConnectionString { get; init; }

    /// <summary>Connection string of each replica index's acceptor storage.</summary>
    public required IReadOnlyList<string> ReplicaConnectionStrings { get; init; }

    public required int ReplicaCount { get; init; }

    public bool ApplySchema { get; init; } = true;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether replicas live in more than one database (then each gets its own storage provider).</summary>
    public bool SeparateReplicaDatabases => ReplicaConnectionStrings.Distinct(StringComparer.Ordinal).Count() > 1;

    public static SiloSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var orleans = configuration.GetSection("Orleans");
        var endpoints = orleans.GetSection("Endpoints");
        var storage = configuration.GetSection("CasPaxos:Storage");
        var replicaCount = Integer(configuration, "CasPaxos:ReplicaCount", 3);
        if (replicaCount < 1)
        {
            throw new SiloConfigurationException($"CasPaxos:ReplicaCount must be at least 1; it is {replicaCount}.");
        }

        var shared = Nonempty(configuration.GetConnectionString(DefaultConnectionName));
        var membership = Nonempty(configuration.GetConnectionString("Membership")) ?? shared
            ?? throw new SiloConfigurationException(
                $"No PostgreSQL connection string. Set ConnectionStrings__{DefaultConnectionName} (environment) or ConnectionStrings:{DefaultConnectionName} " +
                "(appsettings.json) to the database that holds membership and the registers; run without any to start a local cluster instead.");
        var replicas = new string[replicaCount];
        for (var replica = 0; replica < replicaCount; replica++)
        {
            replicas[replica] = Nonempty(storage[$"ConnectionStrings:{replica}"]) ?? shared
                ?? throw new SiloConfigurationException(
                    $"Replica {replica} has no PostgreSQL connection string: set CasPaxos__Storage__ConnectionStrings__{replica}, " +
                    $"or ConnectionStrings__{DefaultConnectionName} for every replica without its own.");
        }

        foreach (var (name, value) in replicas.Select((cs, i) => ($"replica {i}", cs)).Prepend(("membership", membership)))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(value);
            }
            catch (ArgumentException error)
            {
                throw new SiloConfigurationException($"The PostgreSQL connection string for {name} is not valid: {error.Message}");
            }
        }

        var advertised = endpoints["AdvertisedIPAddress"];
        IPAddress? address = null;
        if (!string.IsNullOrWhiteSpace(advertised) && !IPAddress.TryParse(advertised, out address))
        {
            throw new SiloConfigurationException($"Orleans:Endpoints:AdvertisedIPAddress '{advertised}' is not an IP address.");
        }

        return new SiloSettings
        {
            ClusterId = orleans["ClusterId"] is { Length: > 0 } clusterId ? clusterId : "caspaxos",
            ServiceId = orleans["ServiceId"] is { Length: > 0 } serviceId ? serviceId : "caspaxos",
            SiloPort = Port(configuration, "Orleans:Endpoints:SiloPort", 11111),
            GatewayPort = Port(configuration, "Orleans:Endpoints:GatewayPort", 30000),
            AdvertisedAddress = address,
            MembershipConnectionString = membership,
            ReplicaConnectionStrings = replicas,
            ReplicaCount = replicaCount,
            ApplySchema = !bool.TryParse(storage["ApplySchema"], out var apply) || apply,
            ShutdownTimeout = TimeSpan.FromSeconds(Integer(configuration, "Silo:ShutdownTimeoutSeconds", 30)),
        };
    }

    private static string? Nonempty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int Integer(IConfiguration configuration, string key, int fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SiloConfigurationException($"{key} must be a whole number; it is '{text}'.");
    }

    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        var port = Integer(configuration, key, fallback);
        return port is > 0 and < 65536 ? port : throw new SiloConfigurationException($"{key} must be a TCP port (1-65535); it is {port}.");
    }
}
