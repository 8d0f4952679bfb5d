namespace CasPaxos.Orleans.Tests;

/// <summary>What a workload knows about its changes: acknowledged, definitely not applied, or of unknown outcome.</summary>
internal sealed class Outcomes
{
    private long _acknowledged;
    private long _failed;
    private long _unknown;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Failed => Interlocked.Read(ref _failed);

    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>The last error that left an outcome unknown, for failure messages.</summary>
    public string? LastUncertainty { get; private set; }

    /// <summary>Runs one change and files its outcome. Only CasPaxos errors that say so count as definitely not applied.</summary>
    public async Task<bool> RecordAsync(Func<Task> change)
    {
        try
        {
            await change();
            Interlocked.Increment(ref _acknowledged);
            return true;
        }
        catch (CasPaxosException error) when (error.DefinitelyNotApplied)
        {
            Interlocked.Increment(ref _failed);
            return false;
        }
        catch (Exception error)
        {
            // Timeouts, dead gateways, unknown outcomes: the change may have applied.
            Interlocked.Increment(ref _unknown);
            LastUncertainty = $"{error.GetType().Name}: {error.Message}";
            return false;
        }
    }

    public override string ToString()
        => $"{Acknowledged} acknowledged, {Failed} definitely failed, {Unknown} unknown" + (LastUncertainty is null ? "" : $" (last: {LastUncertainty})");
}
