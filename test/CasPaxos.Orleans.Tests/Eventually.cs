namespace CasPaxos.Orleans.Tests;

internal static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it returns a value, or fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
