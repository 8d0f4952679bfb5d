namespace CasPaxos.Orleans;

/// <summary>
/// A linearizable register named by its string key. Every call is one change carried through CASPaxos rounds on
/// the register's acceptors; any silo can serve it, so there is no leader to fail over.
/// </summary>
/// <remarks>
/// Errors: <see cref="InvalidRegisterKeyException"/>, <see cref="ValueTooLargeException"/>,
/// <see cref="ChangeFailedException"/> and <see cref="RegisterUnavailableException"/> mean the change did not apply;
/// <see cref="ChangeOutcomeUnknownException"/> means it may have. Cancelling before any accept was sent throws
/// <see cref="OperationCanceledException"/>; cancelling later gives the unknown outcome.
/// </remarks>
[Alias("caspaxos.IRegisterGrain")]
public interface IRegisterGrain : IGrainWithStringKey
{
    /// <summary>Applies <paramref name="change"/> atomically and returns the register after it.</summary>
    [Alias("Change")]
    Task<ChangeResult> ChangeAsync(RegisterChange change, CancellationToken cancellationToken = default);
}
