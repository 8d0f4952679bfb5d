using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// <c>caspaxos bench</c> as users run it: it starts its own PostgreSQL server and three silo processes, runs every
/// workload (short), kills a silo for the failover workload, and writes a table and JSON whose checks must hold.
/// </summary>
[Collection(PostgresClusters.Name)]
public class BenchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_workload_runs_on_a_fresh_cluster_and_its_checks_hold()
    {
        var folder = Directory.CreateTempSubdirectory("caspaxos-bench-");
        try
        {
            var file = Path.Combine(folder.FullName, "bench.json");
            string Port(int count) => Processes.FreePorts(count).ToString(CultureInfo.InvariantCulture);
            var (exit, text) = await Processes.RunAsync(Processes.Dotnet(Processes.Program("CasPaxos.Orleans.Cli", "caspaxos"),
            [
                "bench", "--out", file, "--cluster-warmup", "2s", "--w1-operations", "200", "--w2-clients", "16", "--w2-keys", "50",
                "--warmup", "1s", "--w2-duration", "8s", "--w3-duration", "2s",
                "--silo-port", Port(3), "--gateway-port", Port(3), "--http-port", Port(3),
            ]), TimeSpan.FromMinutes(4));
            output.WriteLine(text);
            Assert.Equal(0, exit);
            Assert.Contains("| workload | system |", text, StringComparison.Ordinal);

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var rows = json.RootElement.GetProperty("results").EnumerateArray()
                .ToDictionary(r => $"{r.GetProperty("workload").GetString()}/{r.GetProperty("system").GetString()}");
            Assert.Equal(["W1/floor", "W2/floor", "W3/floor", "W1/caspaxos", "W2/caspaxos", "W3/caspaxos", "failover/caspaxos"], rows.Keys);
            Assert.All(rows.Values, r => Assert.True(r.GetProperty("stats").GetProperty("operations").GetInt64() > 0));
            foreach (var (name, row) in rows.Where(r => r.Key.EndsWith("/caspaxos", StringComparison.Ordinal)))
            {
                Assert.EndsWith(" ok", row.GetProperty("finalCheck").GetString(), StringComparison.Ordinal);
                Assert.Equal(0, row.GetProperty("failed").GetInt64());
            }

            // After its first change, a sequential client's proposer skips prepare every time.
            var w1 = rows["W1/caspaxos"].GetProperty("metrics");
            Assert.True(w1.GetProperty("oneRoundTrip").GetDouble() >= w1.GetProperty("changes").GetDouble() - 1, w1.ToString());

            // 16 clients on one key share rounds at their silo's proposer.
            var w3 = rows["W3/caspaxos"].GetProperty("metrics");
            Assert.True(w3.GetProperty("rounds").GetDouble() < w3.GetProperty("changes").GetDouble() / 2, w3.ToString());

            // Only operations in flight when the silo died may end unknown, and the cluster went on committing.
            var failover = rows["failover/caspaxos"];
            Assert.InRange(failover.GetProperty("unknown").GetInt64(), 0, failover.GetProperty("inFlightAtKill").GetInt32());
            Assert.Contains(failover.GetProperty("timeline").EnumerateArray(),
                point => point.GetProperty("secondsFromKill").GetDouble() >= 2 && point.GetProperty("acknowledgedPerSecond").GetDouble() > 0);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
