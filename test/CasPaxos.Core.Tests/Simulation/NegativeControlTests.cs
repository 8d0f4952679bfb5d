using Xunit.Abstractions;

namespace CasPaxos.Core.Tests.Simulation;

/// <summary>
/// Each deliberate bug must be caught: if the simulator and checker passed a broken protocol, their silence about the
/// real one would mean nothing.
/// </summary>
public class NegativeControlTests(ITestOutputHelper output)
{
    private const int MaxSeeds = 300;

    /// <remarks>
    /// Trusting rejections under duplication breaks things only when an accept is stored by one copy, overtaken, and
    /// refused to its second copy, under contention: a search from seed 1 first meets it at seed 6531. The search
    /// starts just below, so the default run stays short; it is deterministic either way.
    /// </remarks>
    [Theory]
    [InlineData(InjectedBug.NonIntersectingQuorum, 1)]
    [InlineData(InjectedBug.AcceptorForgetsPromise, 1)]
    [InlineData(InjectedBug.AcceptWithoutStoredPromise, 1)]
    [InlineData(InjectedBug.ReadFromOneAcceptor, 1)]
    [InlineData(InjectedBug.TrustRejectionsDespiteDuplicates, 6500)]
    public void The_checker_finds_the_violation_an_injected_bug_causes(InjectedBug bug, int firstSeed)
    {
        for (var seed = firstSeed; seed < firstSeed + MaxSeeds; seed++)
        {
            var (config, _, stats, check) = SimulationTests.Run(seed, bug);
            if (!check.Linearizable && !check.Inconclusive)
            {
                output.WriteLine($"caught at {config}{Environment.NewLine}{stats}{Environment.NewLine}{check}");
                return;
            }
        }

        Assert.Fail($"{bug}: no violation found in {MaxSeeds} seeds");
    }
}
