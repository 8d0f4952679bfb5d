namespace CasPaxos.Orleans;

/// <summary>Base of every error CasPaxos.Orleans reports. <see cref="DefinitelyNotApplied"/> says whether retrying is safe.</summary>
[GenerateSerializer, Alias("caspaxos.CasPaxosException")]
public class CasPaxosException : Exception
{
    public CasPaxosException()
    {
    }

    public CasPaxosException(string message)
        : base(message)
    {
    }

    public CasPaxosException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the change certainly did not take effect and will not take effect later.</summary>
    public virtual bool DefinitelyNotApplied => true;
}

/// <summary>The key is empty, too long, or not a clean string.</summary>
[GenerateSerializer, Alias("caspaxos.InvalidRegisterKeyException")]
public sealed class InvalidRegisterKeyException : CasPaxosException
{
    public InvalidRegisterKeyException()
    {
    }

    public InvalidRegisterKeyException(string message)
        : base(message)
    {
    }

    public InvalidRegisterKeyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A value is larger than the configured limit.</summary>
[GenerateSerializer, Alias("caspaxos.ValueTooLargeException")]
public sealed class ValueTooLargeException : CasPaxosException
{
    public ValueTooLargeException()
    {
    }

    public ValueTooLargeException(string message)
        : base(message)
    {
    }

    public ValueTooLargeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ValueTooLargeException(int size, int limit)
        : base($"The value is {size} bytes; the limit is {limit} bytes.")
    {
        Size = size;
        Limit = limit;
    }

    [Id(0)]
    public int Size { get; private set; }

    [Id(1)]
    public int Limit { get; private set; }
}

/// <summary>The change function refused the change (it threw); the register is unchanged.</summary>
[GenerateSerializer, Alias("caspaxos.ChangeFailedException")]
public sealed class ChangeFailedException : CasPaxosException
{
    public ChangeFailedException()
    {
    }

    public ChangeFailedException(string message)
        : base(message)
    {
    }

    public ChangeFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ChangeFailedException(string changeType, string errorType, string errorMessage)
        : base($"The change {changeType} failed with {errorType}: {errorMessage} The register is unchanged.")
    {
        ChangeType = changeType;
        ErrorType = errorType;
    }

    /// <summary>The change record's type name.</summary>
    [Id(0)]
    public string? ChangeType { get; private set; }

    /// <summary>The type name of the exception the change threw.</summary>
    [Id(1)]
    public string? ErrorType { get; private set; }
}

/// <summary>
/// No quorum of acceptors could be reached, or other proposers kept winning, before the change timeout; no accept
/// carrying the change was stored, so retrying is safe.
/// </summary>
[GenerateSerializer, Alias("caspaxos.RegisterUnavailableException")]
public sealed class RegisterUnavailableException : CasPaxosException
{
    public RegisterUnavailableException()
    {
    }

    public RegisterUnavailableException(string message)
        : base(message)
    {
    }

    public RegisterUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The change was sent to acceptors but no quorum confirmed it: it may have taken effect, may take effect later,
/// or may never. Read the register before deciding to retry a change that is not idempotent.
/// </summary>
[GenerateSerializer, Alias("caspaxos.ChangeOutcomeUnknownException")]
public sealed class ChangeOutcomeUnknownException : CasPaxosException
{
    public ChangeOutcomeUnknownException()
    {
    }

    public ChangeOutcomeUnknownException(string message)
        : base(message)
    {
    }

    public ChangeOutcomeUnknownException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public override bool DefinitelyNotApplied => false;
}
