using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CasPaxos.History;

/// <summary>
/// Reads and writes histories as JSON lines, one operation per line:
/// <c>{"client":1,"key":"k","op":"cas","input":{"expectedVersion":3,"value":"v"},"call":10,"return":25,"status":"ok","output":{"version":4,"value":"v","applied":true}}</c>.
/// Values are UTF-8 strings, or base64 when the line says <c>"encoding":"base64"</c> (written whenever a value is not valid UTF-8).
/// </summary>
public static class HistoryFormat
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task WriteAsync(TextWriter writer, IEnumerable<HistoryOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(operations);
        foreach (var operation in operations)
        {
            await writer.WriteLineAsync(ToLine(operation).AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task WriteFileAsync(string path, IEnumerable<HistoryOperation> operations, CancellationToken cancellationToken = default)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        await WriteAsync(writer, operations, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<List<HistoryOperation>> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<List<HistoryOperation>> ReadAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var operations = new List<HistoryOperation>();
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                operations.Add(FromLine(line));
            }
            catch (Exception error) when (error is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                throw new FormatException($"History line {number} is not a valid operation: {error.Message}", error);
            }
        }

        return operations;
    }

    public static string ToLine(HistoryOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var base64 = !IsUtf8(operation.Input.Value) || !IsUtf8(operation.Output?.Value);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("client", operation.Client);
            json.WriteString("key", operation.Key);
            json.WriteString("op", operation.Op.ToString().ToLowerInvariant());
            json.WriteStartObject("input");
            if (operation.Input.ExpectedVersion is { } expected)
            {
                json.WriteNumber("expectedVersion", expected);
            }

            if (operation.Input.Value is { } value)
            {
                WriteValue(json, "value", value, base64);
            }

            if (operation.Input.Delta is { } delta)
            {
                json.WriteNumber("delta", delta);
            }

            json.WriteEndObject();
            json.WriteNumber("call", operation.Call);
            if (operation.Return is { } returned)
            {
                json.WriteNumber("return", returned);
            }
            else
            {
                json.WriteNull("return");
            }

            json.WriteString("status", operation.Status.ToString().ToLowerInvariant());
            if (operation.Output is { } output)
            {
                json.WriteStartObject("output");
                json.WriteNumber("version", output.Version);
                if (output.Value is { } outputValue)
                {
                    WriteValue(json, "value", outputValue, base64);
                }
                else
                {
                    json.WriteNull("value");
                }

                json.WriteBoolean("applied", output.Applied);
                json.WriteEndObject();
            }

            if (base64)
            {
                json.WriteString("encoding", "base64");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static HistoryOperation FromLine(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var base64 = root.TryGetProperty("encoding", out var encoding) && encoding.GetString() == "base64";
        var input = root.GetProperty("input");
        var output = root.TryGetProperty("output", out var outputElement) && outputElement.ValueKind == JsonValueKind.Object
            ? new HistoryOutput(
                outputElement.GetProperty("version").GetInt64(),
                ReadValue(outputElement, base64),
                outputElement.TryGetProperty("applied", out var applied) && applied.GetBoolean())
            : null;
        var returned = root.TryGetProperty("return", out var returnElement) && returnElement.ValueKind == JsonValueKind.Number
            ? returnElement.GetInt64()
            : (long?)null;
        return new HistoryOperation(
            root.GetProperty("client").GetInt32(),
            root.GetProperty("key").GetString() ?? throw new FormatException("key is null"),
            ParseEnum<OperationKind>(root.GetProperty("op").GetString()),
            new HistoryInput(
                ReadValue(input, base64),
                input.TryGetProperty("expectedVersion", out var expected) ? expected.GetInt64() : null,
                input.TryGetProperty("delta", out var delta) ? delta.GetInt64() : null),
            root.GetProperty("call").GetInt64(),
            returned,
            ParseEnum<OperationStatus>(root.GetProperty("status").GetString()),
            output);
    }

    private static void WriteValue(Utf8JsonWriter json, string name, byte[] value, bool base64)
    {
        if (base64)
        {
            json.WriteString(name, Convert.ToBase64String(value));
        }
        else
        {
            json.WriteString(name, StrictUtf8.GetString(value));
        }
    }

    private static byte[]? ReadValue(JsonElement parent, bool base64)
    {
        if (!parent.TryGetProperty("value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = value.GetString() ?? "";
        return base64 ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
    }

    private static bool IsUtf8(byte[]? value)
    {
        if (value is null)
        {
            return true;
        }

        try
        {
            StrictUtf8.GetCharCount(value);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static T ParseEnum<T>(string? text)
        where T : struct, Enum
        => Enum.TryParse<T>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? parsed
            : throw new FormatException($"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}
