using Xunit.Abstractions;

namespace CasPaxos.Core.Tests.Simulation;

/// <summary>
/// Each deliberate bug must be caught: if the simulator and checker passed a broken protocol, their silence about the
/// real one would mean nothing.
/// </summary>
public class NegativeControlTests(ITestOutputHelper output)
{
    private const int MaxSeeds = 300;

    [Theory]
    [InlineData(InjectedBug.NonIntersectingQuorum)]
    [InlineData(InjectedBug.AcceptorForgetsPromise)]
    [InlineData(InjectedBug.AcceptWithoutStoredPromise)]
    [InlineData(InjectedBug.ReadFromOneAcceptor)]
    public void The_checker_finds_the_violation_an_injected_bug_causes(InjectedBug bug)
    {
        for (var seed = 1; seed <= MaxSeeds; seed++)
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
