using Orleans.Runtime;

namespace CasPaxos.Orleans.Silo;

/// <summary>A few changes through a real Orleans client; then one silo killed (SIGKILL) and restarted while the registers keep answering.</summary>
internal static class Demonstration
{
    public static async Task RunAsync(IClusterClient client, LocalCluster.LocalCluster cluster, CancellationToken cancellationToken)
    {
        var silos = cluster.Silos;
        var greeting = client.GetGrain<IRegisterGrain>("demo/greeting");
        var counter = client.GetGrain<IRegisterGrain>("demo/counter");
        Console.WriteLine();
        Console.WriteLine("Demonstration:");

        var written = await greeting.SetAsync($"hello at {DateTime.UtcNow:O}", cancellationToken);
        Console.WriteLine($"  set demo/greeting              -> version {written.Version}: \"{written.ValueAsString}\"");

        var swapped = await greeting.CompareAndSetAsync(written.Version, "hello again", cancellationToken);
        Console.WriteLine($"  cas demo/greeting @{written.Version,-12} -> applied: {swapped.Applied}, version {swapped.State.Version}");

        var miss = await greeting.CompareAndSetAsync(written.Version, "stale write", cancellationToken);
        Console.WriteLine($"  cas demo/greeting @{written.Version,-12} -> applied: {miss.Applied} (a miss: the register is at version {miss.State.Version}, \"{miss.State.ValueAsString}\")");

        for (var i = 0; i < 5; i++)
        {
            await counter.IncrementAsync(cancellationToken: cancellationToken);
        }

        Console.WriteLine($"  increment demo/counter x5      -> {(await counter.ReadAsync(cancellationToken)).CounterValue}");
        if (silos.Count < 2)
        {
            return;
        }

        var victim = silos[^1];
        Console.WriteLine($"  killing silo {victim.Number} (SIGKILL, pid {victim.ProcessId})...");
        victim.Kill();
        // A request already on its way through the dead silo's gateway is lost and times out: give the client a
        // moment to see that connection close.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var read = await RetryAsync(() => greeting.ReadAsync(cancellationToken), cancellationToken);
        Console.WriteLine($"  read demo/greeting             -> version {read.Version}: \"{read.ValueAsString}\" (silo {victim.Number} is dead)");
        Console.WriteLine($"  increment demo/counter         -> {await RetryAsync(() => counter.IncrementAsync(cancellationToken: cancellationToken), cancellationToken)}");

        Console.WriteLine($"  restarting silo {victim.Number}...");
        await victim.RestartAsync(cluster.Http, cancellationToken);
        Console.WriteLine($"  silo {victim.Number} is back");
        Console.WriteLine($"  increment demo/counter         -> {await RetryAsync(() => counter.IncrementAsync(cancellationToken: cancellationToken), cancellationToken)}");
    }

    /// <summary>
    /// Retries what certainly did not apply, as a client should: until the cluster declares the dead silo dead (a few
    /// seconds), a call can be refused by it, or find no quorum for a register whose acceptors it hosted.
    /// </summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception error) when (attempt < 20 && error is RegisterUnavailableException or OrleansMessageRejectionException)
            {
                Console.WriteLine($"    (attempt {attempt}: {error.GetType().Name}, certainly not applied; retrying)");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
