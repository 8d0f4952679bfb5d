namespace CasPaxos.Orleans.Cli;

/// <summary>Process exit codes of caspaxos, documented in the README and in --help.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A miss: compare-and-set or conditional delete at a stale version, a get of a register with no value;
    /// for <c>history</c>: not linearizable.</summary>
    public const int Miss = 1;

    public const int NotLinearizable = 1;

    /// <summary>Bad arguments: unknown command or option, bad key, value over the limit.</summary>
    public const int Usage = 2;

    /// <summary>The change may or may not have applied; for <c>history</c>: the checker gave up (inconclusive).</summary>
    public const int OutcomeUnknown = 3;

    public const int Inconclusive = 3;

    /// <summary>No quorum, or the cluster cannot be reached: the change certainly did not apply.</summary>
    public const int Unavailable = 4;

    /// <summary>The change was refused (for example, an increment of a value that is not a counter).</summary>
    public const int Refused = 5;
}
