using System.CommandLine;
using CasPaxos.Orleans.Cli;

var common = new CommonOptions();
var root = new RootCommand(
    "caspaxos: the command-line client of CasPaxos.Orleans, linearizable registers on Microsoft Orleans.\n" +
    "Exit codes: 0 ok, 1 not linearizable, 2 usage error, 3 inconclusive, 4 cluster unreachable.")
{
    HistoryCommands.Create(common),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"error: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Run 'caspaxos --help' (or '<command> --help') to see the commands and options.");
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
