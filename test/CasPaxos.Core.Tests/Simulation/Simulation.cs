using System.Globalization;
using System.Text;
using CasPaxos.History;
using CasPaxos.Orleans;

namespace CasPaxos.Core.Tests.Simulation;

/// <summary>
/// A deterministic simulation of CasPaxos.Core: proposers and acceptors exchange messages over a network that delays,
/// reorders, drops and duplicates them; acceptors crash and restart with only what they stored; proposers crash in the
/// middle of rounds and come back with new ids; links are cut and healed. Clients issue reads, writes,
/// compare-and-sets, increments and deletes on a few keys and record a history for the linearizability checker.
/// Everything random is drawn from one seed, and virtual time replaces the clock, so a seed replays exactly.
/// </summary>
internal sealed class Simulation
{
    private const long Microsecond = 1_000; // history times are nanoseconds
    private const long MaxSteps = 5_000_000;

    private static readonly RegisterLimits Limits = RegisterLimits.Default;

    private readonly SimulationConfig _config;
    private readonly Random _random;
    private readonly PriorityQueue<Action, (long Time, long Sequence)> _events = new();
    private readonly List<HistoryOperation> _history = [];
    private readonly AcceptorNode[] _acceptors;
    private readonly ProposerNode[] _proposers;
    private readonly HashSet<(int Proposer, int Acceptor)> _cutLinks = [];
    private readonly Quorum _quorum;
    private readonly ProposerSettings _settings;
    private readonly long _callTimeout;
    private long _sequence;
    private long _now;
    private int _issued;
    private int _clientsRunning;
    private int _nextClientId;
    private long _nextProposalId;

    public Simulation(SimulationConfig config)
    {
        _config = config;
        _random = new Random(config.Seed);
        _quorum = config.Bug == InjectedBug.NonIntersectingQuorum
            ? Quorum.UnsafeForTesting(3, prepare: 2, accept: 1)
            : Quorum.Majority(config.Acceptors);
        _settings = new ProposerSettings
        {
            ChangeTimeout = TimeSpan.FromMilliseconds(100),
            InitialBackoff = TimeSpan.FromMilliseconds(0.5),
            MaxBackoff = TimeSpan.FromMilliseconds(10),
            // Runs without duplication exercise the trust an at-most-once transport (Orleans) allows.
            TransportMayDuplicate = config.DuplicateRate > 0 && config.Bug != InjectedBug.TrustRejectionsDespiteDuplicates,
            // The lineage catches most adoptions of an accept wrongly believed unstored; the bug shows with short ones.
            LineageDepth = config.Bug == InjectedBug.TrustRejectionsDespiteDuplicates ? 1 : 8,
            ThriftyAcceptTimeout = config.ThriftyAcceptTimeoutMicros is { } thrifty ? TimeSpan.FromMicroseconds(thrifty) : null,
        };
        _callTimeout = (3 * config.MaxDelayMicros) + 1_000;
        _acceptors = Enumerable.Range(0, config.Acceptors).Select(_ => new AcceptorNode()).ToArray();
        _proposers = Enumerable.Range(0, config.Proposers).Select(_ => new ProposerNode()).ToArray();
        foreach (var proposer in _proposers)
        {
            Restart(proposer);
        }
    }

    public SimulationStats Stats { get; } = new();

    /// <summary>Runs the clients until they have issued every operation and every operation has an outcome.</summary>
    public IReadOnlyList<HistoryOperation> Run()
    {
        for (var client = 0; client < _config.Clients; client++)
        {
            var id = _nextClientId++;
            _clientsRunning++;
            At(_random.Next(0, 1_000), () => NextOperation(id));
        }

        At(1_000, FaultTick);
        var steps = 0L;
        while (_events.TryDequeue(out var action, out var priority))
        {
            _now = priority.Time;
            action();
            if (++steps > MaxSteps)
            {
                throw new InvalidOperationException($"seed {_config.Seed}: no end after {MaxSteps} events at {_now} us; {Stats}; {_issued} issued, {_clientsRunning} clients running");
            }
        }

        return _history;
    }

    private TimeSpan Now => TimeSpan.FromTicks(_now * 10);

    private void At(long time, Action action) => _events.Enqueue(action, (Math.Max(time, _now), _sequence++));

    private long Delay() => _random.Next(_config.MinDelayMicros, _config.MaxDelayMicros + 1);

    // ------------------------------------------------------------------ clients

    private void NextOperation(int client)
    {
        if (_issued >= _config.Operations)
        {
            _clientsRunning--;
            return;
        }

        _issued++;
        var key = $"key{_random.Next(_config.Keys)}";
        var (kind, change, input) = DrawOperation(client);
        var call = _now;
        if (kind == OperationKind.Read && _config.Bug == InjectedBug.ReadFromOneAcceptor)
        {
            // The bug: ask one acceptor what it accepted, and believe it.
            var acceptor = _acceptors[_random.Next(_acceptors.Length)];
            var seen = acceptor.Durable.GetValueOrDefault(key)?.Value ?? RegisterState.Empty;
            At(_now + (2 * Delay()), () => Complete(client, key, kind, input, call, new ChangeResult(seen, false), OperationStatus.Ok));
            return;
        }

        var alive = _proposers.Where(p => p.Up).ToArray();
        if (alive.Length == 0)
        {
            _issued--;
            At(_now + 1_000, () => NextOperation(client));
            return;
        }

        var proposer = alive[_random.Next(alive.Length)];
        Submit(proposer, new ClientOperation(client, key, kind, change, input, call));
    }

    private (OperationKind Kind, RegisterChange Change, HistoryInput Input) DrawOperation(int client)
    {
        var roll = _random.Next(100);
        if (roll < 25)
        {
            return (OperationKind.Read, ReadChange.Instance, new HistoryInput());
        }

        if (roll < 45)
        {
            var value = Encode((client + 1) * 1_000_000L + _issued * 100L);
            return (OperationKind.Write, new SetChange(value), new HistoryInput(value));
        }

        if (roll < 65)
        {
            var value = Encode((client + 1) * 1_000_000L + _issued * 100L);
            var expected = _random.Next(0, 2 + (_issued / Math.Max(1, _config.Keys)));
            return (OperationKind.Cas, new CompareAndSetChange(expected, value), new HistoryInput(value, expected));
        }

        if (roll < 90)
        {
            var delta = _random.Next(1, 4);
            return (OperationKind.Increment, new IncrementChange(delta), new HistoryInput(Delta: delta));
        }

        return (OperationKind.Delete, DeleteChange.Instance, new HistoryInput());
    }

    private static byte[] Encode(long number) => Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture));

    private void Complete(int client, string key, OperationKind kind, HistoryInput input, long call, ChangeResult? result, OperationStatus status)
    {
        var output = result is null ? null : new HistoryOutput(result.State.Version, result.State.Value, result.Applied);
        _history.Add(new HistoryOperation(client, key, kind, input, call * Microsecond,
            status == OperationStatus.Unknown ? null : _now * Microsecond, status, status == OperationStatus.Ok ? output : null));
        Stats.Count(status);

        // A client whose operation may still be in flight continues under a new id, as Jepsen's processes do.
        var next = status == OperationStatus.Unknown ? _nextClientId++ : client;
        At(_now + _random.Next(0, 500), () => NextOperation(next));
    }

    // ---------------------------------------------------------------- proposers

    private void Restart(ProposerNode node)
    {
        node.Incarnation++;
        node.Up = true;
        node.Core = new Proposer<RegisterState>(_random.NextInt64(1, long.MaxValue), _quorum, _settings, new Random(_random.Next()));
    }

    private void Submit(ProposerNode node, ClientOperation operation)
    {
        if (_config.OneChangePerKeyPerProposer && !node.BusyKeys.Add(operation.Key))
        {
            node.Waiting.Enqueue(operation);
            return;
        }

        var proposal = node.Core!.Propose<ChangeResult>(operation.Key, current => Apply(operation.Change, current), Now);
        var flight = new InFlight(_nextProposalId++, proposal, operation);
        node.Proposals[flight.Id] = flight;
        Send(node, flight, proposal.Start(Now));
    }

    private static (RegisterState Next, ChangeResult Result) Apply(RegisterChange change, RegisterState? current)
    {
        var result = change.ApplyTo(current ?? RegisterState.Empty, Limits);
        return (result.State, result);
    }

    private void Send(ProposerNode node, InFlight flight, IReadOnlyList<AcceptorRequest> requests)
    {
        var proposer = Array.IndexOf(_proposers, node);
        var incarnation = node.Incarnation;
        foreach (var request in requests)
        {
            Stats.Messages++;
            Transmit(proposer, request.Replica, () => Receive(_acceptors[request.Replica], request.Replica, flight.Operation.Key, request,
                reply => Transmit(proposer, request.Replica, () => OnReply(node, incarnation, flight.Id, request, reply))));
            At(_now + _callTimeout, () => OnReply(node, incarnation, flight.Id, request, reply: null));
        }

        AfterStep(node, flight);
    }

    /// <summary>Feeds a reply (or, with null, a call timeout) to the proposal it belongs to, if that proposal still runs.</summary>
    private void OnReply(ProposerNode node, int incarnation, long proposalId, AcceptorRequest request, object? reply)
    {
        if (node.Incarnation != incarnation || !node.Up || !node.Proposals.TryGetValue(proposalId, out var flight))
        {
            return;
        }

        var proposal = flight.Proposal;
        var requests = reply switch
        {
            PrepareReply<RegisterState> promise => proposal.OnPrepareReply(request.Replica, request.Ballot, promise, Now),
            AcceptReply ack => proposal.OnAcceptReply(request.Replica, request.Ballot, ack, Now),
            _ => proposal.OnCallFailed(request, "no reply in time", Now),
        };
        Send(node, flight, requests);
    }

    private void AfterStep(ProposerNode node, InFlight flight)
    {
        var proposal = flight.Proposal;
        if (proposal.Outcome is { } outcome)
        {
            node.Proposals.Remove(flight.Id);
            Stats.SpareRounds += outcome.SpareRounds;
            var operation = flight.Operation;
            var status = outcome.Status switch
            {
                ProposalStatus.Committed => OperationStatus.Ok,
                ProposalStatus.NotApplied => OperationStatus.Fail,
                _ => OperationStatus.Unknown,
            };
            Complete(operation.Client, operation.Key, operation.Kind, operation.Input, operation.Call, outcome.Result, status);
            ReleaseKey(node, operation.Key);
            return;
        }

        var wake = (proposal.WakeAt.Ticks + 9) / 10; // round up to whole microseconds, or the timer fires early forever
        if (wake != flight.ScheduledWake)
        {
            flight.ScheduledWake = wake;
            var incarnation = node.Incarnation;
            At(wake, () =>
            {
                if (node.Incarnation == incarnation && node.Proposals.ContainsKey(flight.Id) && flight.ScheduledWake == wake)
                {
                    flight.ScheduledWake = -1;
                    Send(node, flight, proposal.OnTimer(Now));
                }
            });
        }
    }

    private void ReleaseKey(ProposerNode node, string key)
    {
        if (!_config.OneChangePerKeyPerProposer)
        {
            return;
        }

        node.BusyKeys.Remove(key);
        var waiting = node.Waiting.FirstOrDefault(op => op.Key == key);
        if (waiting is not null)
        {
            node.Waiting = new Queue<ClientOperation>(node.Waiting.Where(op => !ReferenceEquals(op, waiting)));
            Submit(node, waiting);
        }
    }

    private void Crash(ProposerNode node)
    {
        node.Up = false;
        node.Incarnation++;
        // The callers of a dead proposer lose their answers. A change whose accept was never sent certainly did not
        // apply (the simulator knows what a real client could not); any other may yet take effect.
        foreach (var flight in node.Proposals.Values.OrderBy(f => f.Id))
        {
            var op = flight.Operation;
            Complete(op.Client, op.Key, op.Kind, op.Input, op.Call, null, flight.Proposal.AcceptSent ? OperationStatus.Unknown : OperationStatus.Fail);
        }

        foreach (var op in node.Waiting)
        {
            Complete(op.Client, op.Key, op.Kind, op.Input, op.Call, null, OperationStatus.Fail);
        }

        node.Proposals.Clear();
        node.Waiting.Clear();
        node.BusyKeys.Clear();
        Stats.ProposerCrashes++;
        At(_now + _random.Next(1_000, 20_000), () => Restart(node));
    }

    // ---------------------------------------------------------------- acceptors

    /// <summary>
    /// An acceptor handles requests one at a time. A request that changes state is answered only after its write
    /// completed; a crash before that loses the write and the reply.
    /// </summary>
    private void Receive(AcceptorNode node, int replica, string key, AcceptorRequest request, Action<object> reply)
    {
        if (!node.Up)
        {
            return;
        }

        var epoch = node.Epoch;
        var finish = Math.Max(_now, node.BusyUntil) + _random.Next(20, 300);
        node.BusyUntil = finish;
        At(finish, () =>
        {
            if (node.Epoch != epoch || !node.Up)
            {
                return;
            }

            var state = node.Durable.GetValueOrDefault(key) ?? AcceptorState<RegisterState>.Initial;
            object answer;
            AcceptorState<RegisterState>? next;
            switch (request)
            {
                case PrepareRequest:
                    var promise = Acceptor.Prepare(state, request.Ballot);
                    (answer, next) = (promise.Reply, promise.NextState);
                    break;
                case AcceptRequest<RegisterState> accept:
                    var ack = Acceptor.Accept(state, request.Ballot, accept.Value, accept.Lineage);
                    (answer, next) = (ack.Reply, ack.NextState);
                    if (next is not null && _config.Bug == InjectedBug.AcceptWithoutStoredPromise)
                    {
                        next = next with { Promise = request.Ballot };
                    }

                    break;
                default:
                    throw new InvalidOperationException(request.GetType().Name);
            }

            if (next is not null)
            {
                if (next.Promise < next.Accepted && _config.Bug == InjectedBug.None)
                {
                    throw new InvalidOperationException($"acceptor {replica} would store promise {next.Promise} below accepted {next.Accepted}");
                }

                node.Durable[key] = next;
            }

            reply(answer);
        });
    }

    private void Crash(AcceptorNode node)
    {
        node.Up = false;
        node.Epoch++;
        node.BusyUntil = 0;
        Stats.AcceptorCrashes++;
        At(_now + _random.Next(500, 30_000), () =>
        {
            if (_config.Bug == InjectedBug.AcceptorForgetsPromise)
            {
                foreach (var key in node.Durable.Keys.ToList())
                {
                    node.Durable[key] = node.Durable[key] with { Promise = node.Durable[key].Accepted };
                }
            }

            node.Up = true;
        });
    }

    // ---------------------------------------------------------------- network and faults

    private void Transmit(int proposer, int acceptor, Action deliver)
    {
        if (_cutLinks.Contains((proposer, acceptor)) || _random.NextDouble() < _config.DropRate)
        {
            Stats.Dropped++;
            return;
        }

        var copies = _random.NextDouble() < _config.DuplicateRate ? 2 : 1;
        for (var copy = 0; copy < copies; copy++)
        {
            At(_now + Delay(), () =>
            {
                if (!_cutLinks.Contains((proposer, acceptor)))
                {
                    deliver();
                }
            });
        }
    }

    private void FaultTick()
    {
        if (_clientsRunning == 0)
        {
            return;
        }

        if (_random.NextDouble() < _config.AcceptorCrashRate && _acceptors.Where(a => a.Up).ToArray() is { Length: > 0 } up)
        {
            Crash(up[_random.Next(up.Length)]);
        }

        if (_random.NextDouble() < _config.ProposerCrashRate && _proposers.Where(p => p.Up).ToArray() is { Length: > 0 } alive)
        {
            Crash(alive[_random.Next(alive.Length)]);
        }

        if (_random.NextDouble() < _config.LinkCutRate)
        {
            var link = (_random.Next(_proposers.Length), _random.Next(_acceptors.Length));
            if (_cutLinks.Add(link))
            {
                Stats.LinkCuts++;
                At(_now + _random.Next(1_000, 50_000), () => _cutLinks.Remove(link));
            }
        }

        At(_now + 1_000, FaultTick);
    }

    private sealed record ClientOperation(int Client, string Key, OperationKind Kind, RegisterChange Change, HistoryInput Input, long Call);

    private sealed class InFlight(long id, Proposal<RegisterState, ChangeResult> proposal, ClientOperation operation)
    {
        public long Id { get; } = id;

        public Proposal<RegisterState, ChangeResult> Proposal { get; } = proposal;

        public ClientOperation Operation { get; } = operation;

        public long ScheduledWake { get; set; } = -1;
    }

    private sealed class ProposerNode
    {
        public Proposer<RegisterState>? Core { get; set; }

        public int Incarnation { get; set; }

        public bool Up { get; set; }

        public Dictionary<long, InFlight> Proposals { get; } = [];

        public HashSet<string> BusyKeys { get; } = [];

        public Queue<ClientOperation> Waiting { get; set; } = new();
    }

    private sealed class AcceptorNode
    {
        public Dictionary<string, AcceptorState<RegisterState>> Durable { get; } = [];

        public bool Up { get; set; } = true;

        public int Epoch { get; set; }

        public long BusyUntil { get; set; }
    }
}

/// <summary>What happened in one run.</summary>
internal sealed class SimulationStats
{
    public int Committed { get; private set; }

    public int Failed { get; private set; }

    public int Unknown { get; private set; }

    public long Messages { get; set; }

    public long Dropped { get; set; }

    public int AcceptorCrashes { get; set; }

    public int ProposerCrashes { get; set; }

    public int LinkCuts { get; set; }

    /// <summary>Thrifty accepts that went on to the acceptors held in reserve.</summary>
    public int SpareRounds { get; set; }

    public void Count(OperationStatus status)
    {
        switch (status)
        {
            case OperationStatus.Ok:
                Committed++;
                break;
            case OperationStatus.Fail:
                Failed++;
                break;
            default:
                Unknown++;
                break;
        }
    }

    public override string ToString()
        => $"{Committed} committed, {Failed} failed, {Unknown} unknown; {Messages} messages ({Dropped} dropped); " +
           $"{AcceptorCrashes} acceptor crashes, {ProposerCrashes} proposer crashes, {LinkCuts} link cuts, {SpareRounds} spare accept rounds";
}
