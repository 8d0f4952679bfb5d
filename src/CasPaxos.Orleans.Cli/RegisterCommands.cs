using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace CasPaxos.Orleans.Cli;

/// <summary><c>caspaxos get | set | cas | inc | delete</c>.</summary>
internal static class RegisterCommands
{
    public static IEnumerable<Command> Create(CommonOptions common)
    {
        var json = new Option<bool>("--json") { Description = "Print the register as one JSON object instead of text." };

        var key = new Argument<string>("key") { Description = "The register's key, e.g. config/feature-x." };
        var get = new Command("get", "Read a register linearizably. Exits 1 when it holds no value.\n  caspaxos get config/feature-x") { key, json };
        Wire(get, common, json, result => ReadChange.Instance, result => result.GetValue(key)!);

        var setKey = new Argument<string>("key") { Description = "The register's key." };
        var setValue = new Argument<string>("value") { Description = "The new value (UTF-8 text)." };
        var set = new Command("set", "Write a value.\n  caspaxos set config/feature-x on") { setKey, setValue, json };
        Wire(set, common, json, result => new SetChange(Encoding.UTF8.GetBytes(result.GetValue(setValue)!)), result => result.GetValue(setKey)!);

        var casKey = new Argument<string>("key") { Description = "The register's key." };
        var casVersion = new Argument<long>("expected-version") { Description = "The version the register must be at (0 = never written)." };
        var casValue = new Argument<string>("value") { Description = "The new value (UTF-8 text)." };
        var cas = new Command("cas", "Compare-and-set: write only if the register is at the expected version. Exits 1 on a miss.\n  caspaxos cas config/feature-x 3 off")
        {
            casKey, casVersion, casValue, json,
        };
        Wire(cas, common, json, result => new CompareAndSetChange(result.GetValue(casVersion), Encoding.UTF8.GetBytes(result.GetValue(casValue)!)), result => result.GetValue(casKey)!);

        var incKey = new Argument<string>("key") { Description = "The register's key." };
        var by = new Option<long>("--by") { Description = "The amount to add (may be negative).", DefaultValueFactory = _ => 1 };
        var inc = new Command("inc", "Add to a 64-bit counter kept as a decimal string (an absent value counts as 0).\n  caspaxos inc ids/order --by 10") { incKey, by, json };
        Wire(inc, common, json, result => new IncrementChange(result.GetValue(by)), result => result.GetValue(incKey)!);

        var deleteKey = new Argument<string>("key") { Description = "The register's key." };
        var ifVersion = new Option<long?>("--if-version") { Description = "Delete only if the register is at this version; exits 1 on a miss." };
        var delete = new Command("delete", "Delete the value, leaving a tombstone with a new version.\n  caspaxos delete locks/build --if-version 12") { deleteKey, ifVersion, json };
        Wire(delete, common, json, result => result.GetValue(ifVersion) is { } version ? new CompareAndDeleteChange(version) : DeleteChange.Instance, result => result.GetValue(deleteKey)!);

        return [get, set, cas, inc, delete];
    }

    private static void Wire(Command command, CommonOptions common, Option<bool> json, Func<ParseResult, RegisterChange> change, Func<ParseResult, string> key)
    {
        common.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var registerKey = key(result);
            if (string.IsNullOrWhiteSpace(registerKey))
            {
                return Fail("the key must not be empty", ExitCodes.Usage);
            }

            using var host = await common.Connection(result).ConnectAsync(cancellationToken);
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var requested = change(result);
            ChangeResult outcome;
            try
            {
                outcome = await grains.GetGrain<IRegisterGrain>(registerKey).ChangeAsync(requested, cancellationToken);
            }
            catch (Exception error) when (error is InvalidRegisterKeyException or ValueTooLargeException)
            {
                return Fail(error.Message, ExitCodes.Usage);
            }
            catch (ChangeFailedException error)
            {
                return Fail(error.Message, ExitCodes.Refused);
            }
            catch (RegisterUnavailableException error)
            {
                return Fail(error.Message, ExitCodes.Unavailable);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                return Fail(error is ChangeOutcomeUnknownException ? error.Message : $"the outcome is unknown ({error.GetType().Name}: {error.Message})", ExitCodes.OutcomeUnknown);
            }

            Print(registerKey, outcome, result.GetValue(json), conditional: requested is not (ReadChange or SetChange or IncrementChange));
            var miss = requested switch
            {
                ReadChange => !outcome.State.Exists,
                CompareAndSetChange or CompareAndDeleteChange => !outcome.Applied,
                _ => false,
            };
            return miss ? ExitCodes.Miss : ExitCodes.Ok;
        });
    }

    private static void Print(string key, ChangeResult outcome, bool json, bool conditional)
    {
        var document = RegisterDocument.From(key, outcome);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(document, JsonSerializerOptions.Web));
            return;
        }

        var shown = document.Value is null ? "(no value)" : document.Encoding == "base64" ? $"base64:{document.Value}" : document.Value;
        Console.WriteLine($"{shown}{Environment.NewLine}version {document.Version.ToString(CultureInfo.InvariantCulture)}{(conditional && !outcome.Applied ? ", not applied" : "")}");
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
