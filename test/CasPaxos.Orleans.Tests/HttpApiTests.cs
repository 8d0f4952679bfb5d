using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CasPaxos.Postgres.Local;

namespace CasPaxos.Orleans.Tests;

/// <summary>The register HTTP API of the silo host, through a real Kestrel on loopback.</summary>
[Collection(PostgresClusters.Name)]
public sealed class HttpApiTests(ClusterFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _http.Dispose();

    private static string NewKey() => "http/" + Guid.NewGuid().ToString("N");

    private async Task<Uri> Url(string key, string query = "")
        => new(await fixture.HttpSiloAsync(), "/registers/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString)) + query);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string key, string? body = null, string query = "", Action<HttpRequestMessage>? headers = null)
    {
        using var request = new HttpRequestMessage(method, await Url(key, query));
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        headers?.Invoke(request);
        return await _http.SendAsync(request);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static string? ErrorCode(JsonElement body) => body.GetProperty("error").GetProperty("code").GetString();

    [Fact]
    public async Task Put_then_get_returns_the_value_with_the_version_as_etag()
    {
        var key = NewKey();
        using var put = await SendAsync(HttpMethod.Put, key, "hello");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("\"1\"", put.Headers.ETag?.Tag);

        using var get = await SendAsync(HttpMethod.Get, key);
        var body = await Json(get);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        Assert.Equal(("hello", 1L, true), (body.GetProperty("value").GetString(), body.GetProperty("version").GetInt64(), body.GetProperty("exists").GetBoolean()));
    }

    [Fact]
    public async Task A_register_with_no_value_is_404_with_its_version()
    {
        using var response = await SendAsync(HttpMethod.Get, NewKey());
        var body = await Json(response);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", ErrorCode(body));
        Assert.Equal(0, body.GetProperty("register").GetProperty("version").GetInt64());
        Assert.Equal("\"0\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task If_match_writes_at_the_current_version_and_answers_a_stale_one_with_412_and_the_current_value()
    {
        var key = NewKey();
        (await SendAsync(HttpMethod.Put, key, "one")).Dispose();
        using var hit = await SendAsync(HttpMethod.Put, key, "two", headers: r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"")));
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("\"2\"", hit.Headers.ETag?.Tag);

        using var miss = await SendAsync(HttpMethod.Put, key, "stale", headers: r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"")));
        var body = await Json(miss);
        Assert.Equal(HttpStatusCode.PreconditionFailed, miss.StatusCode);
        Assert.Equal("precondition_failed", ErrorCode(body));
        Assert.Equal(("two", 2L), (body.GetProperty("register").GetProperty("value").GetString(), body.GetProperty("register").GetProperty("version").GetInt64()));
        Assert.Equal("\"2\"", miss.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task If_none_match_star_creates_only_when_there_is_no_value()
    {
        var key = NewKey();
        using var created = await SendAsync(HttpMethod.Put, key, "first", headers: r => r.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var exists = await SendAsync(HttpMethod.Put, key, "second", headers: r => r.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any));
        Assert.Equal(HttpStatusCode.PreconditionFailed, exists.StatusCode);
        Assert.Equal("first", (await Json(exists)).GetProperty("register").GetProperty("value").GetString());
    }

    [Fact]
    public async Task Post_increment_adds_to_the_counter()
    {
        var key = NewKey();
        using var first = await SendAsync(HttpMethod.Post, key, query: "?increment");
        Assert.Equal("1", (await Json(first)).GetProperty("value").GetString());
        using var second = await SendAsync(HttpMethod.Post, key, query: "?increment=41");
        var body = await Json(second);
        Assert.Equal(("42", 2L), (body.GetProperty("value").GetString(), body.GetProperty("version").GetInt64()));

        using var missing = await SendAsync(HttpMethod.Post, key);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using var bad = await SendAsync(HttpMethod.Post, key, query: "?increment=lots");
        Assert.Equal("bad_request", ErrorCode(await Json(bad)));
    }

    [Fact]
    public async Task Incrementing_a_value_that_is_not_a_counter_is_422_and_changes_nothing()
    {
        var key = NewKey();
        (await SendAsync(HttpMethod.Put, key, "text")).Dispose();
        using var refused = await SendAsync(HttpMethod.Post, key, query: "?increment=1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("change_failed", ErrorCode(await Json(refused)));
        using var get = await SendAsync(HttpMethod.Get, key);
        Assert.Equal("text", (await Json(get)).GetProperty("value").GetString());
    }

    [Fact]
    public async Task Delete_leaves_a_tombstone_and_if_match_deletes_only_at_that_version()
    {
        var key = NewKey();
        (await SendAsync(HttpMethod.Put, key, "x")).Dispose();
        using var stale = await SendAsync(HttpMethod.Delete, key, headers: r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"7\"")));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        using var deleted = await SendAsync(HttpMethod.Delete, key, headers: r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"")));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("\"2\"", deleted.Headers.ETag?.Tag);
        using var get = await SendAsync(HttpMethod.Get, key);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("\"2\"", get.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Keys_may_hold_slashes_spaces_and_unicode()
    {
        var key = $"http/{Guid.NewGuid():N}/a b/ключ";
        (await SendAsync(HttpMethod.Put, key, "v")).Dispose();
        using var get = await SendAsync(HttpMethod.Get, key);
        Assert.Equal(key, (await Json(get)).GetProperty("key").GetString());
    }

    [Fact]
    public async Task Bad_keys_are_400_invalid_key()
    {
        using var control = await SendAsync(HttpMethod.Put, "http/line\nbreak", "v");
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        Assert.Equal("invalid_key", ErrorCode(await Json(control)));

        using var tooLong = await SendAsync(HttpMethod.Get, new string('k', RegisterLimits.DefaultMaxKeyBytes + 1));
        Assert.Equal("invalid_key", ErrorCode(await Json(tooLong)));
    }

    [Fact]
    public async Task A_value_over_the_limit_is_413_and_changes_nothing()
    {
        var key = NewKey();
        (await SendAsync(HttpMethod.Put, key, "small")).Dispose();
        using var declared = await SendAsync(HttpMethod.Put, key, new string('x', RegisterLimits.DefaultMaxValueBytes + 1));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("value_too_large", ErrorCode(await Json(declared)));

        using var chunked = new HttpRequestMessage(HttpMethod.Put, await Url(key))
        {
            Content = new StreamContent(new MemoryStream(new byte[RegisterLimits.DefaultMaxValueBytes + 1])),
        };
        chunked.Headers.TransferEncodingChunked = true;
        using var streamed = await _http.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);

        using var get = await SendAsync(HttpMethod.Get, key);
        Assert.Equal("small", (await Json(get)).GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_malformed_if_match_is_400()
    {
        using var response = await SendAsync(HttpMethod.Put, NewKey(), "v", headers: r => r.Headers.TryAddWithoutValidation("If-Match", "\"abc\""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_request", ErrorCode(await Json(response)));
    }

    [Fact]
    public async Task Binary_values_come_back_base64_encoded()
    {
        var key = NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Put, await Url(key)) { Content = new ByteArrayContent([0xff, 0x00, 0xfe]) };
        (await _http.SendAsync(request)).Dispose();
        var body = await Json(await SendAsync(HttpMethod.Get, key));
        Assert.Equal(("base64", "/wD+"), (body.GetProperty("encoding").GetString(), body.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task Without_a_quorum_the_api_answers_503_with_retry_after()
    {
        await using var database = await LocalPostgres.StartAsync();
        var (app, address) = await SiloHosts.StartInProcessAsync(SiloHosts.Settings(database.ConnectionString, TestClusters.NewServiceId(),
            Processes.FreePorts(1), Processes.FreePorts(1), httpPort: 0, replicas: 1));
        await using (app)
        {
            var url = new Uri(address, "/registers/http-outage");
            (await _http.PutAsync(url, new StringContent("before"))).Dispose();
            await database.StopAsync();

            // In-flight writes on connections the shutdown broke may end unknown (504); then connections are refused.
            HttpResponseMessage? unavailable = null;
            for (var attempt = 0; attempt < 10 && unavailable is null; attempt++)
            {
                var response = await _http.PutAsync(url, new StringContent("during"));
                var code = ErrorCode(await Json(response));
                Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout, $"{response.StatusCode} {code}");
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.Equal("unavailable", code);
                    unavailable = response;
                }
                else
                {
                    Assert.Equal("outcome_unknown", code);
                    Assert.Equal("unknown", response.Headers.GetValues("CasPaxos-Outcome").Single());
                    response.Dispose();
                }
            }

            Assert.NotNull(unavailable);
            Assert.Equal(TimeSpan.FromSeconds(1), unavailable.Headers.RetryAfter?.Delta);
            unavailable.Dispose();
            await database.RestartAsync();
        }
    }

    [Fact]
    public async Task Health_and_metrics_endpoints_answer()
    {
        var silo = await fixture.HttpSiloAsync();
        using var live = await _http.GetAsync(new Uri(silo, "/health/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await _http.GetAsync(new Uri(silo, "/health/ready"));
        var body = await Json(ready);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(("ready", "Active"), (body.GetProperty("status").GetString(), body.GetProperty("siloStatus").GetString()));

        (await SendAsync(HttpMethod.Put, NewKey(), "counted")).Dispose();
        var metrics = await _http.GetStringAsync(new Uri(silo, "/metrics"));
        Assert.Contains("caspaxos_changes_total", metrics, StringComparison.Ordinal);
        Assert.Contains("caspaxos_acceptor_write_duration_milliseconds_bucket", metrics, StringComparison.Ordinal);
    }
}
