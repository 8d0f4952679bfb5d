namespace CasPaxos.Orleans.Silo;

/// <summary>A few changes through a real Orleans client; then one silo killed (SIGKILL) and restarted while the registers keep answering.</summary>
internal static class Demonstration
{
    public static async Task RunAsync(IClusterClient client, IReadOnlyList<SiloProcess> silos, Func<SiloProcess, Task> waitReady, CancellationToken cancellationToken)
    {
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
        var read = await greeting.ReadAsync(cancellationToken);
        Console.WriteLine($"  read demo/greeting             -> version {read.Version}: \"{read.ValueAsString}\" (silo {victim.Number} is dead)");
        Console.WriteLine($"  increment demo/counter         -> {await counter.IncrementAsync(cancellationToken: cancellationToken)}");

        Console.WriteLine($"  restarting silo {victim.Number}...");
        victim.Start();
        await waitReady(victim);
        Console.WriteLine($"  increment demo/counter         -> {await counter.IncrementAsync(cancellationToken: cancellationToken)}");
    }
}
