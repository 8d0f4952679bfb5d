using System.CommandLine;
using CasPaxos.Orleans.Cli;

var common = new CommonOptions();
var root = new RootCommand(
    """
    caspaxos: read and change CasPaxos.Orleans registers, and check a cluster for linearizability.

    Reach a cluster through its PostgreSQL membership (--postgres or CASPAXOS_POSTGRES) or its gateways
    (--gateway host:port, repeatable, or CASPAXOS_GATEWAYS); --cluster-id and --service-id default to "caspaxos".

    Examples:
      caspaxos set config/feature-x on
      caspaxos get config/feature-x --json
      caspaxos cas config/feature-x 1 off
      caspaxos inc ids/order --by 10
      caspaxos delete locks/build --if-version 12
      caspaxos history record --duration 30s
      caspaxos bench

    Exit codes: 0 ok; 1 miss (compare-and-set at a stale version, get of a register with no value, history not
    linearizable); 2 usage error (bad arguments, bad key, value too large); 3 outcome unknown (the change may or may
    not apply; history: inconclusive); 4 unavailable (no quorum or cluster unreachable: certainly not applied);
    5 change refused (for example, an increment of a value that is not a counter).
    """);
foreach (var command in RegisterCommands.Create(common))
{
    root.Subcommands.Add(command);
}

root.Subcommands.Add(HistoryCommands.Create(common));
root.Subcommands.Add(CasPaxos.Orleans.Cli.Bench.BenchCommand.Create(common));

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"error: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Run 'caspaxos --help' (or 'caspaxos <command> --help') to see the commands and options.");
    return ExitCodes.Usage;
}

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ConnectionFailedException error)
{
    Progress.Done();
    await Console.Error.WriteLineAsync($"error: {error.Message}");
    return ExitCodes.Unavailable;
}
catch (OperationCanceledException)
{
    Progress.Done();
    await Console.Error.WriteLineAsync("cancelled");
    return 130; // the shell's code for an interrupted command
}
