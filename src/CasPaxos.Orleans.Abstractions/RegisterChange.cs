namespace CasPaxos.Orleans;

/// <summary>
/// A change function as data: given the register's current state, decide its next value. Changes travel to the
/// proposer on a silo and run there, possibly more than once, so <see cref="Decide"/> must be deterministic and free
/// of side effects; throwing refuses the change and leaves the register unchanged.
/// </summary>
/// <remarks>
/// To add your own change, derive a sealed record marked <c>[GenerateSerializer, Alias("yourapp.name")]</c> in an
/// assembly that both the silos and the clients load.
/// </remarks>
[GenerateSerializer, Immutable, Alias("caspaxos.RegisterChange")]
public abstract record RegisterChange
{
    public abstract RegisterUpdate Decide(RegisterState current);

    /// <summary>Checks the change's own arguments before any round starts (for example a value above the size limit).</summary>
    public virtual void Validate(RegisterLimits limits)
    {
    }

    /// <summary>Runs the change against <paramref name="current"/>: the version grows by one if and only if it writes.</summary>
    /// <exception cref="ValueTooLargeException">The new value exceeds the limit.</exception>
    public ChangeResult ApplyTo(RegisterState current, RegisterLimits limits)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(limits);
        var update = Decide(current);
        if (!update.Writes)
        {
            return new ChangeResult(current, Applied: false);
        }

        limits.ValidateValue(update.Value);
        return new ChangeResult(current.WithValue(update.Value), Applied: true);
    }
}

/// <summary>The identity change: a linearizable read. It goes through prepare and accept like any change.</summary>
[GenerateSerializer, Immutable, Alias("caspaxos.Read")]
public sealed record ReadChange : RegisterChange
{
    public static ReadChange Instance { get; } = new();

    public override RegisterUpdate Decide(RegisterState current) => RegisterUpdate.Unchanged;
}

/// <summary>Unconditional write.</summary>
[GenerateSerializer, Immutable, Alias("caspaxos.Set")]
public sealed record SetChange([property: Id(0)] byte[] Value) : RegisterChange
{
    public override RegisterUpdate Decide(RegisterState current) => RegisterUpdate.Set(Value);

    public override void Validate(RegisterLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(Value);
        limits.ValidateValue(Value);
    }
}

/// <summary>
/// Write only if the register is at <see cref="ExpectedVersion"/> (0 = never written). A miss is not an error:
/// the result says Applied = false and carries the current state.
/// </summary>
[GenerateSerializer, Immutable, Alias("caspaxos.CompareAndSet")]
public sealed record CompareAndSetChange([property: Id(0)] long ExpectedVersion, [property: Id(1)] byte[] Value) : RegisterChange
{
    public override RegisterUpdate Decide(RegisterState current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.Version == ExpectedVersion ? RegisterUpdate.Set(Value) : RegisterUpdate.Unchanged;
    }

    public override void Validate(RegisterLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(Value);
        ArgumentOutOfRangeException.ThrowIfNegative(ExpectedVersion);
        limits.ValidateValue(Value);
    }
}

/// <summary>
/// Adds <see cref="Delta"/> to a 64-bit counter kept as a decimal string (an absent value counts as 0).
/// Refused, leaving the register unchanged, if the value is not a counter or the sum overflows.
/// </summary>
[GenerateSerializer, Immutable, Alias("caspaxos.Increment")]
public sealed record IncrementChange([property: Id(0)] long Delta) : RegisterChange
{
    public override RegisterUpdate Decide(RegisterState current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var counter = current.CounterValue;
        long next;
        try
        {
            next = checked(counter + Delta);
        }
        catch (OverflowException)
        {
            throw new OverflowException($"Adding {Delta} to the counter {counter} overflows a 64-bit integer.");
        }

        return RegisterUpdate.Set(RegisterState.EncodeCounter(next));
    }
}

/// <summary>Removes the value, leaving a tombstone with a higher version. Deleting an absent value does not apply.</summary>
[GenerateSerializer, Immutable, Alias("caspaxos.Delete")]
public sealed record DeleteChange : RegisterChange
{
    public static DeleteChange Instance { get; } = new();

    public override RegisterUpdate Decide(RegisterState current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.Exists ? RegisterUpdate.Delete : RegisterUpdate.Unchanged;
    }
}

/// <summary>Write only if the register holds no value (never written, or deleted): create-only.</summary>
[GenerateSerializer, Immutable, Alias("caspaxos.SetIfAbsent")]
public sealed record SetIfAbsentChange([property: Id(0)] byte[] Value) : RegisterChange
{
    public override RegisterUpdate Decide(RegisterState current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.Exists ? RegisterUpdate.Unchanged : RegisterUpdate.Set(Value);
    }

    public override void Validate(RegisterLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(Value);
        limits.ValidateValue(Value);
    }
}

/// <summary>Delete only if the register is at <see cref="ExpectedVersion"/> and holds a value.</summary>
[GenerateSerializer, Immutable, Alias("caspaxos.CompareAndDelete")]
public sealed record CompareAndDeleteChange([property: Id(0)] long ExpectedVersion) : RegisterChange
{
    public override RegisterUpdate Decide(RegisterState current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.Version == ExpectedVersion && current.Exists ? RegisterUpdate.Delete : RegisterUpdate.Unchanged;
    }

    public override void Validate(RegisterLimits limits) => ArgumentOutOfRangeException.ThrowIfNegative(ExpectedVersion);
}

/// <summary>The register after a change, and whether the change applied (false for reads and compare-and-set misses).</summary>
[GenerateSerializer, Immutable, Alias("caspaxos.ChangeResult")]
public sealed record ChangeResult([property: Id(0)] RegisterState State, [property: Id(1)] bool Applied);
