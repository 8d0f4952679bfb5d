using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

internal static class Ancestors
{
    /// <summary>A lineage of single-ballot runs whose older part was cut off.</summary>
    public static Lineage Cut(params Ballot[] newestFirst)
        => Lineage.FromRuns(newestFirst.Select(b => new LineageRun(b.ProposerId, b.Counter, b.Counter)), reachesEmptyRegister: false);
}
