using System.CommandLine;
using System.Net;

namespace CasPaxos.Orleans.Cli;

/// <summary>Options shared by the commands that talk to a cluster. Each falls back to an environment variable.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Postgres { get; } = new("--postgres", "-p")
    {
        Description = "Find the gateways in the cluster's PostgreSQL membership table: a connection string. Env: CASPAXOS_POSTGRES.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CASPAXOS_POSTGRES"),
    };

    public Option<IPEndPoint[]> Gateways { get; } = new("--gateway", "-g")
    {
        Description = "A gateway (silo client port) as host:port; repeat for several. Used when --postgres is not given. " +
            "Env: CASPAXOS_GATEWAYS (comma-separated). Default 127.0.0.1:30000, 30001, 30002 (the local cluster).",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => ParseList(Environment.GetEnvironmentVariable("CASPAXOS_GATEWAYS"))
            ?? [.. Enumerable.Range(30000, 3).Select(port => new IPEndPoint(IPAddress.Loopback, port))],
        CustomParser = result =>
        {
            var endpoints = new List<IPEndPoint>();
            foreach (var token in result.Tokens)
            {
                if (!ClusterConnection.TryParseGateway(token.Value, out var endpoint))
                {
                    result.AddError($"'{token.Value}' is not a gateway address: use host:port, for example 127.0.0.1:30000.");
                    return [];
                }

                endpoints.Add(endpoint!);
            }

            return [.. endpoints];
        },
    };

    public Option<string> ClusterId { get; } = new("--cluster-id")
    {
        Description = "The cluster's id (Orleans ClusterOptions.ClusterId). Env: CASPAXOS_CLUSTER_ID.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CASPAXOS_CLUSTER_ID") ?? "caspaxos",
    };

    public Option<string> ServiceId { get; } = new("--service-id")
    {
        Description = "The service id (Orleans ClusterOptions.ServiceId). Env: CASPAXOS_SERVICE_ID.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CASPAXOS_SERVICE_ID") ?? "caspaxos",
    };

    public Option<TimeSpan> ConnectTimeout { get; } = Duration("--connect-timeout", "How long to keep trying to reach the cluster.", TimeSpan.FromSeconds(15));

    public void AddTo(Command command)
    {
        command.Options.Add(ConnectTimeout);
        command.Options.Add(Postgres);
        command.Options.Add(Gateways);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
    }

    public ClusterConnection Connection(ParseResult result)
        => new(string.IsNullOrWhiteSpace(result.GetValue(Postgres)) ? null : result.GetValue(Postgres),
            result.GetValue(Gateways)!, result.GetValue(ClusterId)!, result.GetValue(ServiceId)!)
        {
            ConnectTimeout = result.GetValue(ConnectTimeout),
        };

    public static Option<TimeSpan> Duration(string name, string description, TimeSpan fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            if (Durations.TryParse(result.Tokens.Single().Value, out var duration))
            {
                return duration;
            }

            result.AddError($"'{result.Tokens.Single().Value}' is not a duration: use 500ms, 30s, 10m or 2h.");
            return default;
        },
    };

    private static IPEndPoint[]? ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var endpoints = new List<IPEndPoint>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ClusterConnection.TryParseGateway(part, out var endpoint))
            {
                endpoints.Add(endpoint!);
            }
        }

        return endpoints.Count > 0 ? [.. endpoints] : null;
    }
}
