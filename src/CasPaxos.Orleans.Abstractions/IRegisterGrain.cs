namespace CasPaxos.Orleans;

/// <summary>
/// A linearizable register named by its string key. Every call is one change carried through CASPaxos rounds on
/// the register's acceptors; any silo can serve it, so there is no leader to fail over.
/// </summary>
/// <remarks>
/// Errors: <see cref="InvalidRegisterKeyException"/>, <see cref="ValueTooLargeException"/>,
/// <see cref="ChangeFailedException"/> and <see cref="RegisterUnavailableException"/> mean the change did not apply;
/// <see cref="ChangeOutcomeUnknownException"/> means it may have. Cancelling throws <see cref="OperationCanceledException"/>
/// at once: a change still queued at the proposer is withdrawn, but one that a round already carries may still apply,
/// so to a remote caller a cancelled change has an unknown outcome.
/// </remarks>
[Alias("caspaxos.IRegisterGrain")]
public interface IRegisterGrain : IGrainWithStringKey
{
    /// <summary>Applies <paramref name="change"/> atomically and returns the register after it.</summary>
    [Alias("Change")]
    Task<ChangeResult> ChangeAsync(RegisterChange change, CancellationToken cancellationToken = default);
}
