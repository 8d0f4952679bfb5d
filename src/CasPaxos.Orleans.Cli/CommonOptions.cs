using System.CommandLine;
using System.Net;

namespace CasPaxos.Orleans.Cli;

/// <summary>Options shared by the commands that talk to a cluster.</summary>
internal sealed class CommonOptions
{
    public Option<IPEndPoint[]> Gateways { get; } = new("--gateway", "-g")
    {
        Description = "A gateway (silo client endpoint) as host:port; repeat for several. Default 127.0.0.1:30000..30002, the local cluster of `dotnet run --project src/CasPaxos.Orleans.Silo`.",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [.. Enumerable.Range(30000, 3).Select(port => new IPEndPoint(IPAddress.Loopback, port))],
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
        Description = "The cluster's id (Orleans ClusterOptions.ClusterId).",
        DefaultValueFactory = _ => "caspaxos-local",
    };

    public Option<string> ServiceId { get; } = new("--service-id")
    {
        Description = "The service id (Orleans ClusterOptions.ServiceId).",
        DefaultValueFactory = _ => "caspaxos",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Gateways);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
    }

    public ClusterConnection Connection(ParseResult result)
        => new(result.GetValue(Gateways)!, result.GetValue(ClusterId)!, result.GetValue(ServiceId)!);

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
}
