using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace CasPaxos.Orleans.Silo;

/// <summary>
/// /health/live answers while the process runs; /health/ready answers 200 only while this silo is Active in the
/// cluster's membership, so a load balancer or orchestrator sends traffic to silos that can serve it.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/health/ready", (IServiceProvider services) =>
        {
            var membership = services.GetService(typeof(IClusterMembershipService)) as IClusterMembershipService;
            var local = services.GetService(typeof(ILocalSiloDetails)) as ILocalSiloDetails;
            if (membership is null || local is null)
            {
                return Results.Json(new { status = "starting" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var snapshot = membership.CurrentSnapshot;
            var status = snapshot.GetSiloStatus(local.SiloAddress);
            var active = snapshot.Members.Values.Count(member => member.Status == SiloStatus.Active);
            var replicas = ((IOptions<CasPaxosOptions>)services.GetService(typeof(IOptions<CasPaxosOptions>))!).Value.ReplicaCount;
            var body = new
            {
                status = status == SiloStatus.Active ? "ready" : "not_ready",
                silo = local.SiloAddress.ToParsableString(),
                siloStatus = status.ToString(),
                activeSilos = active,
                replicaCount = replicas,
                degraded = active < replicas,
            };
            return Results.Json(body, statusCode: status == SiloStatus.Active ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }
}
