namespace CasPaxos.Core;

/// <summary>
/// Quorum sizes for a register replicated on <see cref="Acceptors"/> acceptors. Safety needs every prepare
/// quorum to intersect every accept quorum (Prepare + Accept &gt; Acceptors); the paper's default is a
/// majority (F+1 of 2F+1) for both.
/// </summary>
public sealed record Quorum
{
    private Quorum(int acceptors, int prepare, int accept)
    {
        Acceptors = acceptors;
        Prepare = prepare;
        Accept = accept;
    }

    /// <summary>N, the number of acceptors.</summary>
    public int Acceptors { get; }

    /// <summary>Promises a proposer needs before it may choose a value.</summary>
    public int Prepare { get; }

    /// <summary>Acknowledgements that make an accepted value committed.</summary>
    public int Accept { get; }

    /// <summary>F: how many acceptors may fail while both quorums can still be formed.</summary>
    public int FaultsTolerated => Acceptors - Math.Max(Prepare, Accept);

    /// <summary>Majority quorums over N = 2F+1 acceptors: F+1 for prepare and for accept.</summary>
    public static Quorum Majority(int acceptors)
    {
        if (acceptors < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(acceptors), acceptors, "A register needs at least one acceptor.");
        }

        var majority = acceptors / 2 + 1;
        return new Quorum(acceptors, majority, majority);
    }

    /// <summary>Flexible quorums (the paper's appendix): any sizes whose prepare and accept quorums intersect.</summary>
    public static Quorum Flexible(int acceptors, int prepare, int accept)
    {
        if (acceptors < 1 || prepare < 1 || accept < 1 || prepare > acceptors || accept > acceptors)
        {
            throw new ArgumentOutOfRangeException(nameof(acceptors), $"Quorums must lie between 1 and the {acceptors} acceptors (prepare {prepare}, accept {accept}).");
        }

        if (prepare + accept <= acceptors)
        {
            throw new ArgumentException($"Prepare quorum {prepare} and accept quorum {accept} of {acceptors} acceptors need not intersect, which loses committed values.", nameof(accept));
        }

        return new Quorum(acceptors, prepare, accept);
    }

    /// <summary>
    /// Quorums without the intersection check. Only for negative controls that prove a checker catches a broken protocol.
    /// </summary>
    internal static Quorum UnsafeForTesting(int acceptors, int prepare, int accept) => new(acceptors, prepare, accept);

    public override string ToString() => $"N={Acceptors} prepare={Prepare} accept={Accept}";
}
