using CasPaxos.Core;

namespace CasPaxos.Core.Tests;

public class QuorumTests
{
    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(5, 3, 2)]
    [InlineData(7, 4, 3)]
    public void Majority_of_2F_plus_1_is_F_plus_1_and_tolerates_F(int acceptors, int majority, int faults)
    {
        var quorum = Quorum.Majority(acceptors);
        Assert.Equal(acceptors, quorum.Acceptors);
        Assert.Equal(majority, quorum.Prepare);
        Assert.Equal(majority, quorum.Accept);
        Assert.Equal(faults, quorum.FaultsTolerated);
        Assert.True(quorum.Prepare + quorum.Accept > acceptors, "prepare and accept quorums must intersect");
    }

    [Fact]
    public void Flexible_quorums_must_intersect()
    {
        Assert.Throws<ArgumentException>(() => Quorum.Flexible(3, 2, 1));
        Assert.Throws<ArgumentException>(() => Quorum.Flexible(4, 2, 2));
        var growing = Quorum.Flexible(4, 2, 3); // the paper's 2F+1 -> 2F+2 step: accept to F+2
        Assert.Equal(1, growing.FaultsTolerated);
    }

    [Fact]
    public void Quorums_outside_the_acceptor_count_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.Majority(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.Flexible(3, 4, 2));
    }
}
