namespace CasPaxos.Orleans.Tests;

/// <summary>Bad settings stop a silo at start-up with one message naming the setting.</summary>
[Collection(PostgresClusters.Name)]
public class ConfigurationTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("even replica count", "ReplicaCount must be odd")]
    [InlineData("missing storage", "which is not registered on this silo")]
    [InlineData("storage names", "StorageNames names a storage provider per replica")]
    [InlineData("call timeout", "AcceptorCallTimeout must be positive and at most ChangeTimeout")]
    [InlineData("value limit", "MaxValueBytes must lie between 1 and")]
    [InlineData("batch size", "MaxBatchSize must be at least 1")]
    [InlineData("thrifty timeout", "ThriftyAcceptTimeout must be positive and below AcceptorCallTimeout")]
    public async Task A_silo_with_a_bad_setting_refuses_to_start(string mistake, string message)
    {
        Action<CasPaxosOptions> configure = mistake switch
        {
            "even replica count" => options => options.ReplicaCount = 4,
            "missing storage" => options => { options.StorageNames.Add("CasPaxos"); options.StorageNames.Add("elsewhere"); options.StorageNames.Add("CasPaxos"); },
            "storage names" => options => options.StorageNames.Add("CasPaxos"),
            "call timeout" => options => options.AcceptorCallTimeout = TimeSpan.FromSeconds(10),
            "batch size" => options => options.MaxBatchSize = 0,
            "thrifty timeout" => options => options.ThriftyAcceptTimeout = TimeSpan.FromSeconds(3),
            _ => options => options.MaxValueBytes = 0,
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestClusters.StartAsync(fixture.ConnectionString, silos: 1, replicas: 3, configure: configure));
        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains(message, messages, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
