using Orleans.TestingHost;

namespace CasPaxos.Orleans.Tests;

/// <summary>
/// A register call Orleans rejected before any proposer ran it is sent again; nothing else is. The rejections here are
/// injected by a client filter that runs inside CasPaxos' own filters, where Orleans' real rejections surface (a silo
/// that just died still owning part of the grain directory produces them for a second or so).
/// </summary>
[Collection(PostgresClusters.Name)]
public class RedeliveryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_call_rejected_before_delivery_is_sent_again_and_applies_once()
    {
        var injector = new Injector { RejectFirst = 3 };
        await using var cluster = await StartAsync(injector);

        var count = await cluster.Client.GetGrain<IRegisterGrain>("redeliver/" + Guid.NewGuid().ToString("N")).IncrementAsync();

        Assert.Equal(1, count);
        Assert.Equal(4, injector.Attempts);
    }

    [Fact]
    public async Task An_error_after_delivery_is_reported_and_not_retried()
    {
        var injector = new Injector { FailAfterDelivery = true };
        await using var cluster = await StartAsync(injector);
        var register = cluster.Client.GetGrain<IRegisterGrain>("redeliver/" + Guid.NewGuid().ToString("N"));

        await Assert.ThrowsAsync<TimeoutException>(() => register.IncrementAsync());
        injector.FailAfterDelivery = false;

        Assert.Equal(1, injector.Attempts);
        Assert.Equal(1, (await register.ReadAsync()).CounterValue); // applied exactly once
    }

    [Fact]
    public async Task A_silo_unavailable_error_of_a_call_that_may_have_run_is_reported_and_not_retried()
    {
        // Orleans raises SiloUnavailableException, a subclass of its rejection, for requests that were already running
        // when their silo died or shut down: the change may have applied.
        var injector = new Injector { FailAfterDelivery = true, AfterDelivery = () => Create<SiloUnavailableException>("injected: the silo shut down mid-call") };
        await using var cluster = await StartAsync(injector);
        var register = cluster.Client.GetGrain<IRegisterGrain>("redeliver/" + Guid.NewGuid().ToString("N"));

        await Assert.ThrowsAsync<SiloUnavailableException>(() => register.IncrementAsync());
        injector.FailAfterDelivery = false;

        Assert.Equal(1, injector.Attempts);
        Assert.Equal(1, (await register.ReadAsync()).CounterValue);
    }

    [Fact]
    public async Task Rejections_until_the_change_timeout_end_in_unavailable_and_not_applied()
    {
        var injector = new Injector { RejectFirst = int.MaxValue };
        await using var cluster = await StartAsync(injector, TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<RegisterUnavailableException>(
            () => cluster.Client.GetGrain<IRegisterGrain>("redeliver/" + Guid.NewGuid().ToString("N")).IncrementAsync());

        Assert.True(error.DefinitelyNotApplied);
        Assert.IsType<OrleansMessageRejectionException>(error.InnerException);
        Assert.InRange(injector.Attempts, 3, 20);
    }

    private Task<InProcessTestCluster> StartAsync(Injector injector, TimeSpan? changeTimeout = null)
        => TestClusters.StartAsync(fixture.ConnectionString, silos: 1, replicas: 1,
            configure: options => options.ChangeTimeout = changeTimeout ?? options.ChangeTimeout,
            configureClient: client => client.AddOutgoingGrainCallFilter(injector));

    /// <summary>Orleans keeps the constructors of its rejections internal: only the runtime rejects.</summary>
    private static T Create<T>(string message)
        where T : Exception
        => (T)Activator.CreateInstance(typeof(T), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public,
            binder: null, args: [message], culture: null)!;

    /// <summary>Rejects register calls before sending them, or fails them after a proposer ran them.</summary>
    private sealed class Injector : IOutgoingGrainCallFilter
    {
        private int _attempts;

        public int RejectFirst { get; init; }

        public bool FailAfterDelivery { get; set; }

        public Func<Exception> AfterDelivery { get; init; } = () => new TimeoutException("injected: the response was lost");

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod?.DeclaringType != typeof(IRegisterGrain) || !context.TargetId.Key.ToString()!.StartsWith("redeliver/", StringComparison.Ordinal))
            {
                await context.Invoke();
                return;
            }

            if (Interlocked.Increment(ref _attempts) <= RejectFirst)
            {
                throw Create<OrleansMessageRejectionException>("injected: the target could not be placed");
            }

            await context.Invoke();
            if (FailAfterDelivery)
            {
                throw AfterDelivery();
            }
        }
    }
}
