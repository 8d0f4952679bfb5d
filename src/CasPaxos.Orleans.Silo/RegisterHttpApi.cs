using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace CasPaxos.Orleans.Silo;

/// <summary>
/// The registers over HTTP. The register version is the ETag.
/// <list type="bullet">
/// <item><c>GET /registers/{key}</c>: read (404 when the register holds no value).</item>
/// <item><c>PUT /registers/{key}</c> with the value as body: write; <c>If-Match: "v"</c> compare-and-set (412 with the
/// current register on a miss); <c>If-None-Match: *</c> create only.</item>
/// <item><c>POST /registers/{key}?increment=d</c>: add d (default 1) to the register's counter.</item>
/// <item><c>DELETE /registers/{key}</c>: delete; with <c>If-Match: "v"</c> only at that version.</item>
/// </list>
/// Errors are JSON <c>{"error":{"code":...,"message":...}}</c> with stable codes; see the README.
/// </summary>
internal static class RegisterHttpApi
{
    public static void MapRegisterApi(this IEndpointRouteBuilder app)
    {
        var registers = app.MapGroup("/registers");
        registers.MapGet("/{**key}", (string key, HttpContext http, IGrainFactory grains) => ChangeAsync(http, grains, key, ReadChange.Instance));
        registers.MapPut("/{**key}", PutAsync);
        registers.MapPost("/{**key}", PostAsync);
        registers.MapDelete("/{**key}", (string key, HttpContext http, IGrainFactory grains) =>
        {
            if (!TryIfMatch(http, out var expected, out var error))
            {
                return Task.FromResult(error!);
            }

            return ChangeAsync(http, grains, key, expected is { } version ? new CompareAndDeleteChange(version) : DeleteChange.Instance);
        });
    }

    private static async Task<IResult> PutAsync(string key, HttpContext http, IGrainFactory grains, IOptions<CasPaxosOptions> options)
    {
        var limit = options.Value.MaxValueBytes;
        if (http.Request.ContentLength > limit)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, "value_too_large", $"The value is {http.Request.ContentLength} bytes; the limit is {limit} bytes.");
        }

        var value = await ReadBodyAsync(http.Request, limit, http.RequestAborted);
        if (value is null)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, "value_too_large", $"The value is over the limit of {limit} bytes.");
        }

        if (!TryIfMatch(http, out var expected, out var error))
        {
            return error!;
        }

        var createOnly = http.Request.Headers.IfNoneMatch.ToString().Trim() == "*";
        if (createOnly && expected is not null)
        {
            return Error(StatusCodes.Status400BadRequest, "bad_request", "Use If-Match or If-None-Match: *, not both.");
        }

        RegisterChange change = expected is { } version ? new CompareAndSetChange(version, value)
            : createOnly ? new SetIfAbsentChange(value)
            : new SetChange(value);
        return await ChangeAsync(http, grains, key, change, createdStatus: createOnly);
    }

    private static Task<IResult> PostAsync(string key, HttpContext http, IGrainFactory grains)
    {
        if (!http.Request.Query.TryGetValue("increment", out var text))
        {
            return Task.FromResult(Error(StatusCodes.Status400BadRequest, "bad_request", "POST increments a counter: POST /registers/{key}?increment=<delta>."));
        }

        var delta = 1L;
        if (!string.IsNullOrEmpty(text) && !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out delta))
        {
            return Task.FromResult(Error(StatusCodes.Status400BadRequest, "bad_request", $"increment must be a whole number; it is '{text}'."));
        }

        return ChangeAsync(http, grains, key, new IncrementChange(delta));
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, IGrainFactory grains, string key, RegisterChange change, bool createdStatus = false)
    {
        IRegisterGrain register;
        try
        {
            register = grains.GetGrain<IRegisterGrain>(key);
        }
        catch (ArgumentException)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_key", "A register key must not be empty or blank.");
        }

        ChangeResult result;
        try
        {
            result = await register.ChangeAsync(change, http.RequestAborted);
        }
        catch (InvalidRegisterKeyException error)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_key", error.Message);
        }
        catch (ValueTooLargeException error)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, "value_too_large", error.Message);
        }
        catch (ChangeFailedException error)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, "change_failed", error.Message);
        }
        catch (RegisterUnavailableException error)
        {
            http.Response.Headers.RetryAfter = "1";
            return Error(StatusCodes.Status503ServiceUnavailable, "unavailable", error.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the caller hung up
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Once the change was handed to a proposer, any other failure leaves its fate open.
            http.Response.Headers["CasPaxos-Outcome"] = "unknown";
            return Error(StatusCodes.Status504GatewayTimeout, "outcome_unknown",
                error is ChangeOutcomeUnknownException ? error.Message : $"The change's outcome is unknown ({error.GetType().Name}: {error.Message}). Read the register before retrying.");
        }

        http.Response.Headers.ETag = $"\"{result.State.Version}\"";
        var body = RegisterDocument.From(key, result);
        return change switch
        {
            ReadChange when !result.State.Exists => Results.Json(new { error = new { code = "not_found", message = $"Register '{key}' holds no value." }, register = body }, statusCode: StatusCodes.Status404NotFound),
            CompareAndSetChange or SetIfAbsentChange or CompareAndDeleteChange when !result.Applied =>
                Results.Json(new { error = new { code = "precondition_failed", message = $"Register '{key}' is at version {result.State.Version}." }, register = body },
                    statusCode: StatusCodes.Status412PreconditionFailed),
            _ => Results.Json(body, statusCode: createdStatus ? StatusCodes.Status201Created : StatusCodes.Status200OK),
        };
    }

    /// <summary>Reads the body up to <paramref name="limit"/> bytes; null when it is longer.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>If-Match carries the expected version, quoted or bare (<c>"7"</c> or <c>7</c>).</summary>
    private static bool TryIfMatch(HttpContext http, out long? expected, out IResult? error)
    {
        expected = null;
        error = null;
        var header = http.Request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            return true;
        }

        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }

        if (long.TryParse(header.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            expected = version;
            return true;
        }

        error = Error(StatusCodes.Status400BadRequest, "bad_request", $"If-Match must be a register version such as \"7\"; it is {header}.");
        return false;
    }

    private static IResult Error(int status, string code, string message)
        => Results.Json(new { error = new { code, message } }, statusCode: status);
}
