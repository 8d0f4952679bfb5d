namespace CasPaxos.Core.Tests.Simulation;

/// <summary>A deliberate protocol bug, for negative controls: the checker must catch each.</summary>
public enum InjectedBug
{
    None,

    /// <summary>Commit after one accept out of three: prepare and accept quorums need not intersect.</summary>
    NonIntersectingQuorum,

    /// <summary>A restarted acceptor has lost its promise (only the accepted value was durable).</summary>
    AcceptorForgetsPromise,

    /// <summary>Accept does not store the next promise, yet proposers still skip prepare on their next change.</summary>
    AcceptWithoutStoredPromise,

    /// <summary>Reads are answered by one acceptor's accepted value, with no quorum and no accept.</summary>
    ReadFromOneAcceptor,

    /// <summary>
    /// Proposers trust every rejection of an accept as "not stored" on a network that duplicates messages (with
    /// lineages of one run, short enough not to rescue them).
    /// </summary>
    TrustRejectionsDespiteDuplicates,
}

/// <summary>Everything a simulation run varies, derived from its seed.</summary>
public sealed record SimulationConfig
{
    public required int Seed { get; init; }

    public int Acceptors { get; init; } = 3;

    public int Proposers { get; init; } = 3;

    public int Keys { get; init; } = 2;

    public int Clients { get; init; } = 6;

    /// <summary>Operations the clients issue in all.</summary>
    public int Operations { get; init; } = 200;

    /// <summary>One-way message delay, uniform in [min, max] microseconds: overlapping delays reorder messages.</summary>
    public int MinDelayMicros { get; init; } = 50;

    public int MaxDelayMicros { get; init; } = 2_000;

    public double DropRate { get; init; }

    public double DuplicateRate { get; init; }

    /// <summary>Chance per millisecond that some acceptor crashes (it restarts later with what it stored durably).</summary>
    public double AcceptorCrashRate { get; init; }

    /// <summary>Chance per millisecond that some proposer crashes mid-round (it restarts with a new id).</summary>
    public double ProposerCrashRate { get; init; }

    /// <summary>Chance per millisecond that a proposer-acceptor link is cut for a while (a partial partition).</summary>
    public double LinkCutRate { get; init; }

    /// <summary>Whether a proposer runs one change per key at a time, as the Orleans proposer grain does.</summary>
    public bool OneChangePerKeyPerProposer { get; init; }

    /// <summary>Thrifty accepts: how long an accept waits for its first quorum before going to the rest (null: to all at once).</summary>
    public int? ThriftyAcceptTimeoutMicros { get; init; }

    public InjectedBug Bug { get; init; }

    /// <summary>A run's shape drawn from its seed: sizes, fault rates and concurrency all vary.</summary>
    /// <param name="thrifty">Forces thrifty accepts on or off; null draws it from the seed like everything else.</param>
    public static SimulationConfig FromSeed(int seed, InjectedBug bug = InjectedBug.None, bool? thrifty = null)
    {
        var random = new Random(seed);
        int[] acceptorCounts = [1, 3, 3, 3, 5, 5];
        var faulty = random.NextDouble() < 0.8;
        var config = new SimulationConfig
        {
            Seed = seed,
            Acceptors = bug == InjectedBug.NonIntersectingQuorum ? 3 : acceptorCounts[random.Next(acceptorCounts.Length)],
            Proposers = random.Next(1, 5),
            Keys = random.Next(1, 4),
            Clients = random.Next(2, 10),
            Operations = random.Next(100, 300),
            MinDelayMicros = random.Next(10, 200),
            MaxDelayMicros = random.Next(300, 5_000),
            DropRate = faulty ? random.NextDouble() * 0.2 : 0,
            DuplicateRate = faulty ? random.NextDouble() * 0.1 : 0,
            AcceptorCrashRate = faulty ? random.NextDouble() * 0.05 : 0,
            ProposerCrashRate = faulty ? random.NextDouble() * 0.005 : 0,
            LinkCutRate = faulty ? random.NextDouble() * 0.03 : 0,
            OneChangePerKeyPerProposer = random.Next(2) == 0,
            Bug = bug,
        };
        config = config with
        {
            ThriftyAcceptTimeoutMicros = (random.Next(2) == 0, random.Next(config.MinDelayMicros, 3 * config.MaxDelayMicros)) switch
            {
                (var drawn, var timeout) when thrifty ?? drawn => timeout,
                _ => null,
            },
        };

        // Duplicated accepts overtaken between their copies need contention on one key to matter.
        return bug == InjectedBug.TrustRejectionsDespiteDuplicates
            ? config with { Keys = 1, Proposers = 4, Clients = 8, DuplicateRate = 0.3 }
            : config;
    }

    public override string ToString()
        => $"seed {Seed}: N={Acceptors} proposers={Proposers} keys={Keys} clients={Clients} ops={Operations} delay={MinDelayMicros}-{MaxDelayMicros}us " +
           $"drop={DropRate:P0} dup={DuplicateRate:P0} acceptor-crash={AcceptorCrashRate:0.###}/ms proposer-crash={ProposerCrashRate:0.###}/ms " +
           $"link-cut={LinkCutRate:0.###}/ms one-change-per-key={OneChangePerKeyPerProposer} thrifty={ThriftyAcceptTimeoutMicros?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off"}us bug={Bug}";
}
