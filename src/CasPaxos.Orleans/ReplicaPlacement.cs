using Orleans.Placement;
using Orleans.Runtime;

namespace CasPaxos.Orleans;

/// <summary>Places the N acceptors of a register on N distinct silos; see <see cref="ReplicaPlacementDirector"/>.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("caspaxos.ReplicaPlacement")]
internal sealed class ReplicaPlacement : PlacementStrategy
{
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class ReplicaPlacementAttribute : PlacementAttribute
{
    public ReplicaPlacementAttribute()
        : base(new ReplicaPlacement())
    {
    }
}
