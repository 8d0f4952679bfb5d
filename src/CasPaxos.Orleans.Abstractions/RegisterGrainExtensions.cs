using System.Text;

namespace CasPaxos.Orleans;

/// <summary>The built-in changes as methods on <see cref="IRegisterGrain"/>.</summary>
public static class RegisterGrainExtensions
{
    /// <summary>Reads the register linearizably (the identity change).</summary>
    public static async Task<RegisterState> ReadAsync(this IRegisterGrain register, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return (await register.ChangeAsync(ReadChange.Instance, cancellationToken).ConfigureAwait(false)).State;
    }

    public static async Task<RegisterState> SetAsync(this IRegisterGrain register, byte[] value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return (await register.ChangeAsync(new SetChange(value), cancellationToken).ConfigureAwait(false)).State;
    }

    public static Task<RegisterState> SetAsync(this IRegisterGrain register, string value, CancellationToken cancellationToken = default)
        => register.SetAsync(Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>Writes only if the register is at <paramref name="expectedVersion"/> (0 = never written). A miss returns Applied = false.</summary>
    public static Task<ChangeResult> CompareAndSetAsync(this IRegisterGrain register, long expectedVersion, byte[] value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return register.ChangeAsync(new CompareAndSetChange(expectedVersion, value), cancellationToken);
    }

    public static Task<ChangeResult> CompareAndSetAsync(this IRegisterGrain register, long expectedVersion, string value, CancellationToken cancellationToken = default)
        => register.CompareAndSetAsync(expectedVersion, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>Adds <paramref name="delta"/> to the register's 64-bit counter and returns the new count.</summary>
    public static async Task<long> IncrementAsync(this IRegisterGrain register, long delta = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return (await register.ChangeAsync(new IncrementChange(delta), cancellationToken).ConfigureAwait(false)).State.CounterValue;
    }

    /// <summary>Writes only if the register holds no value. A miss returns Applied = false and the current register.</summary>
    public static Task<ChangeResult> SetIfAbsentAsync(this IRegisterGrain register, byte[] value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return register.ChangeAsync(new SetIfAbsentChange(value), cancellationToken);
    }

    /// <summary>Deletes only if the register is at <paramref name="expectedVersion"/> and holds a value.</summary>
    public static Task<ChangeResult> CompareAndDeleteAsync(this IRegisterGrain register, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return register.ChangeAsync(new CompareAndDeleteChange(expectedVersion), cancellationToken);
    }

    /// <summary>Removes the value (a tombstone with a new version). Applied = false if there was no value.</summary>
    public static Task<ChangeResult> DeleteAsync(this IRegisterGrain register, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return register.ChangeAsync(DeleteChange.Instance, cancellationToken);
    }
}
