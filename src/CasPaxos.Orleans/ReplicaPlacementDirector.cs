using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace CasPaxos.Orleans;

/// <summary>
/// Puts replica i of register k on the silo at position (hash(k) + i) mod S of the compatible silos ordered by
/// endpoint, so the N replicas of a key land on N distinct silos whenever there are at least N. On a re-activation
/// (its silo died, say) the preferred silo may already host a sibling; the director then walks on to the first
/// silo that hosts none. With fewer than N silos two replicas must share a silo: allowed, logged and counted.
/// </summary>
/// <remarks>
/// Endpoints, not <see cref="SiloAddress"/> order, because silo addresses sort by start time first: a restarted
/// silo would shift every position.
/// </remarks>
internal sealed partial class ReplicaPlacementDirector(
    IGrainFactory grainFactory,
    IOptions<CasPaxosOptions> options,
    CasPaxosMetrics metrics,
    ILogger<ReplicaPlacementDirector> logger) : IPlacementDirector
{
    private readonly int _replicaCount = options.Value.ReplicaCount;

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target).ToArray(); // a copy: the runtime shares its array between placements
        SortByEndpoint(silos);
        var acceptorKey = target.GrainIdentity.Key.ToString()!;
        if (!AcceptorKey.TryParse(acceptorKey, out var replica, out var registerKey))
        {
            return silos[(int)(AcceptorKey.StableHash(acceptorKey) % (uint)silos.Length)];
        }

        var first = PreferredIndex(registerKey, replica, silos.Length);
        var hosting = await SiblingSilosAsync(registerKey, replica);
        for (var step = 0; step < silos.Length; step++)
        {
            var candidate = silos[(first + step) % silos.Length];
            if (!hosting.Contains(candidate))
            {
                return candidate;
            }
        }

        metrics.ColocatedPlacement();
        LogColocated(logger, acceptorKey, silos.Length, _replicaCount);
        return silos[first];
    }

    private async Task<HashSet<SiloAddress>> SiblingSilosAsync(string registerKey, int replica)
    {
        var management = grainFactory.GetGrain<IManagementGrain>(0);
        var hosting = new HashSet<SiloAddress>();
        for (var sibling = 0; sibling < _replicaCount; sibling++)
        {
            if (sibling != replica &&
                await management.GetActivationAddress(grainFactory.GetGrain<IAcceptorGrain>(AcceptorKey.Format(sibling, registerKey))) is { } silo)
            {
                hosting.Add(silo);
            }
        }

        return hosting;
    }

    /// <summary>Position of replica <paramref name="replica"/> of <paramref name="registerKey"/> among silos sorted by endpoint.</summary>
    internal static int PreferredIndex(string registerKey, int replica, int siloCount)
        => ((int)(AcceptorKey.StableHash(registerKey) % (uint)siloCount) + replica) % siloCount;

    internal static void SortByEndpoint(SiloAddress[] silos) => Array.Sort(silos, CompareEndpoints);

    private static int CompareEndpoints(SiloAddress left, SiloAddress right)
    {
        var byAddress = CompareAddresses(left.Endpoint.Address, right.Endpoint.Address);
        return byAddress != 0 ? byAddress : left.Endpoint.Port.CompareTo(right.Endpoint.Port);
    }

    private static int CompareAddresses(IPAddress left, IPAddress right)
    {
        Span<byte> leftBytes = stackalloc byte[16];
        Span<byte> rightBytes = stackalloc byte[16];
        var leftLength = left.MapToIPv6().TryWriteBytes(leftBytes, out var l) ? l : 0;
        var rightLength = right.MapToIPv6().TryWriteBytes(rightBytes, out var r) ? r : 0;
        return leftBytes[..leftLength].SequenceCompareTo(rightBytes[..rightLength]);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Acceptor {AcceptorKey} shares a silo with a sibling: {SiloCount} silos for {ReplicaCount} replicas (degraded: one silo failure can cost a quorum)")]
    private static partial void LogColocated(ILogger logger, string acceptorKey, int siloCount, int replicaCount);
}
