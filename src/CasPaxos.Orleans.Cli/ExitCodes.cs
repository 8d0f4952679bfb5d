namespace CasPaxos.Orleans.Cli;

/// <summary>Process exit codes of caspaxos, documented in the README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The history is not linearizable.</summary>
    public const int NotLinearizable = 1;

    /// <summary>Bad arguments (System.CommandLine's own parse errors also exit with this code).</summary>
    public const int Usage = 2;

    /// <summary>The checker ran out of its search budget: no verdict.</summary>
    public const int Inconclusive = 3;

    /// <summary>The cluster could not be reached.</summary>
    public const int Unavailable = 4;
}
