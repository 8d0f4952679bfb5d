namespace CasPaxos.Orleans;

/// <summary>
/// Changes to one register that one proposal carries: applied in arrival order to the value the round found, each
/// seeing the state the one before left, each with its own result or its own error. A change that throws is left out
/// and the others still apply.
/// </summary>
internal static class ChangeBatch
{
    public static (RegisterState Next, ChangeOutcome[] Outcomes) Apply(IReadOnlyList<RegisterChange> changes, RegisterState? current, RegisterLimits limits)
    {
        var state = current ?? RegisterState.Empty;
        var outcomes = new ChangeOutcome[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            try
            {
                var result = changes[i].ApplyTo(state, limits);
                outcomes[i] = new ChangeOutcome(result, null);
                state = result.State;
            }
            catch (Exception error)
            {
                outcomes[i] = new ChangeOutcome(null, error);
            }
        }

        return (state, outcomes);
    }

    /// <summary>What one change of a batch did: its result, or what it threw.</summary>
    internal readonly record struct ChangeOutcome(ChangeResult? Result, Exception? Error);
}
