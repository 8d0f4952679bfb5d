using System.Diagnostics;

namespace CasPaxos.Orleans.Cli.Bench;

/// <summary>
/// Clients that each run one operation at a time, back to back, as the peers' benchmarks do. An operation is
/// acknowledged, definitely failed (a CasPaxos error that says so), or of unknown outcome (anything else, including
/// an operation given up at its deadline: it may still apply).
/// </summary>
internal static class ClosedLoop
{
    /// <summary>
    /// Runs <paramref name="clients"/> loops until <paramref name="until"/> says stop; prints progress every second.
    /// Each operation gets a token that fires at <paramref name="deadline"/>, as a careful caller's would.
    /// </summary>
    public static async Task RunAsync(string label, int clients, TimeSpan deadline, Measurement measurement, Func<int, Random, CancellationToken, Task> operation,
        Func<bool> until, Func<string> progress, CancellationToken cancellationToken)
    {
        var loops = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client + 1);
            while (!until() && !cancellationToken.IsCancellationRequested)
            {
                var started = Measurement.Now;
                Measurement.Outcome outcome;
                using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                expiry.CancelAfter(deadline);
                try
                {
                    await operation(client, random, expiry.Token);
                    outcome = Measurement.Outcome.Acknowledged;
                }
                catch (CasPaxosException error) when (error.DefinitelyNotApplied)
                {
                    outcome = Measurement.Outcome.Failed;
                    measurement.Note(error, expiry.IsCancellationRequested);
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    outcome = Measurement.Outcome.Unknown;
                    measurement.Note(error, expiry.IsCancellationRequested);
                }

                measurement.Record(started, outcome);
            }
        }, CancellationToken.None)).ToArray();

        var all = Task.WhenAll(loops);
        var shown = Stopwatch.GetTimestamp();
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            if (Stopwatch.GetElapsedTime(shown) >= TimeSpan.FromSeconds(1) || all.IsCompleted)
            {
                shown = Stopwatch.GetTimestamp();
                Progress.Show($"[{label} {measurement.Elapsed,5:0.0}s] {progress()}");
            }
        }

        Progress.Done();
        await all;
    }
}
