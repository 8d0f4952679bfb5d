using System.Diagnostics;

namespace CasPaxos.History;

/// <summary>The verdict on one key's operations.</summary>
public sealed record KeyVerdict(string Key, int Operations, bool Linearizable, bool Inconclusive, long StatesExplored, string? Explanation);

/// <summary>The verdict on a whole history.</summary>
public sealed record CheckResult(bool Linearizable, bool Inconclusive, IReadOnlyList<KeyVerdict> Keys, int Operations, TimeSpan Elapsed)
{
    public override string ToString()
    {
        var verdict = Linearizable ? "linearizable" : Inconclusive ? "inconclusive (search budget exhausted)" : "NOT linearizable";
        var failures = Keys.Where(k => !k.Linearizable).Select(k => $"{Environment.NewLine}  key \"{k.Key}\": {k.Explanation}");
        return $"{verdict}: {Operations} operations on {Keys.Count} keys checked in {Elapsed.TotalMilliseconds:0} ms{string.Concat(failures)}";
    }
}

/// <summary>
/// Checks that a history of register operations is linearizable: that each key's completed operations can be put in
/// one order that respects real time (an operation that returned before another was called comes first) and the
/// register's sequential rules, with each operation seeing exactly the output recorded. Operations that definitely
/// failed are left out; operations of unknown outcome may take effect at any time after their call, or never.
/// </summary>
/// <remarks>
/// Keys are independent registers, so each is checked on its own (linearizability is compositional). The search is
/// Wing and Gong's, with Lowe's memoization of (operations linearized, register state) pairs already explored, as in
/// Porcupine.
/// </remarks>
public static class LinearizabilityChecker
{
    /// <summary>Default cap on explored states per key before the answer becomes "inconclusive".</summary>
    public const long DefaultBudget = 20_000_000;

    public static CheckResult Check(IEnumerable<HistoryOperation> history, long budgetPerKey = DefaultBudget)
    {
        ArgumentNullException.ThrowIfNull(history);
        var started = Stopwatch.GetTimestamp();
        var all = history.ToList();
        var verdicts = all
            .Where(op => op.Status != OperationStatus.Fail)
            .GroupBy(op => op.Key, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => CheckKey(group.Key, group.ToList(), budgetPerKey))
            .ToList();
        return new CheckResult(
            verdicts.All(v => v.Linearizable),
            verdicts.Any(v => v.Inconclusive),
            verdicts,
            all.Count,
            Stopwatch.GetElapsedTime(started));
    }

    private static KeyVerdict CheckKey(string key, List<HistoryOperation> operations, long budget)
    {
        foreach (var operation in operations)
        {
            if (operation.Status == OperationStatus.Ok && (operation.Output is null || operation.Return is null))
            {
                throw new FormatException($"A completed operation needs a return time and an output: {operation}");
            }
        }

        var model = new RegisterModel();
        var prepared = operations.Select((op, index) => Prepare(model, op, index)).ToArray();
        var search = new Search(model, prepared, operations, budget);
        var outcome = search.Run();
        return new KeyVerdict(key, operations.Count, outcome == Search.Outcome.Linearizable, outcome == Search.Outcome.Inconclusive,
            search.Explored, outcome == Search.Outcome.Linearizable ? null : search.Explain(outcome));
    }

    private static PreparedOperation Prepare(RegisterModel model, HistoryOperation op, int index) => new(
        index,
        op.Op,
        op.Status == OperationStatus.Unknown,
        model.Intern(op.Input.Value),
        op.Input.ExpectedVersion ?? 0,
        op.Input.Delta ?? 0,
        op.Output?.Version ?? 0,
        model.Intern(op.Output?.Value),
        op.Output?.Applied ?? false);

    /// <summary>The call and return events of one key, in a doubly linked list the search lifts operations out of.</summary>
    private sealed class Search
    {
        private readonly RegisterModel _model;
        private readonly PreparedOperation[] _operations;
        private readonly List<HistoryOperation> _history;
        private readonly long _budget;
        private readonly Entry _head = new(-1, IsCall: false, long.MinValue);
        private readonly HashSet<Memo> _explored = [];
        private int _deepest = -1;
        private Entry? _stuckAt;
        private ModelState _stuckState;

        public Search(RegisterModel model, PreparedOperation[] operations, List<HistoryOperation> history, long budget)
        {
            _model = model;
            _operations = operations;
            _history = history;
            _budget = budget;
            var events = new List<Entry>(operations.Length * 2);
            for (var i = 0; i < operations.Length; i++)
            {
                var call = new Entry(i, IsCall: true, history[i].Call);
                var ret = new Entry(i, IsCall: false, history[i].Return ?? long.MaxValue);
                call.Match = ret;
                events.Add(call);
                events.Add(ret);
            }

            // At equal times calls come first: operations that touch at an instant count as concurrent.
            events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : b.IsCall.CompareTo(a.IsCall));
            var previous = _head;
            foreach (var entry in events)
            {
                previous.Next = entry;
                entry.Previous = previous;
                previous = entry;
            }
        }

        public enum Outcome
        {
            Linearizable,
            NotLinearizable,
            Inconclusive,
        }

        public long Explored { get; private set; }

        public Outcome Run()
        {
            var state = RegisterModel.Initial;
            var linearized = new Bits(_operations.Length);
            var stack = new Stack<(Entry Call, ModelState Before)>();
            var entry = _head.Next;
            while (entry is not null)
            {
                if (entry.IsCall)
                {
                    var operation = _operations[entry.Operation];
                    if (_model.Step(state, operation, out var next))
                    {
                        linearized.Set(entry.Operation);
                        if (_explored.Add(new Memo(linearized.Copy(), next)))
                        {
                            if (++Explored > _budget)
                            {
                                return Outcome.Inconclusive;
                            }

                            stack.Push((entry, state));
                            state = next;
                            Lift(entry);
                            entry = _head.Next;
                            continue;
                        }

                        linearized.Clear(entry.Operation);
                    }

                    entry = entry.Next;
                    continue;
                }

                if (entry.Time == long.MaxValue)
                {
                    return Outcome.Linearizable; // only operations of unknown outcome are left; they may never have happened
                }

                // A completed operation returned before it could be linearized: undo the last choice.
                if (stack.Count > _deepest)
                {
                    _deepest = stack.Count;
                    _stuckAt = entry;
                    _stuckState = state;
                }

                if (stack.Count == 0)
                {
                    return Outcome.NotLinearizable;
                }

                var (call, before) = stack.Pop();
                state = before;
                linearized.Clear(call.Operation);
                Unlift(call);
                entry = call.Next;
            }

            return Outcome.Linearizable;
        }

        public string Explain(Outcome outcome)
        {
            if (outcome == Outcome.Inconclusive)
            {
                return $"gave up after exploring {Explored} states of {_operations.Length} operations";
            }

            if (_stuckAt is null)
            {
                return "no linearization exists";
            }

            var stuck = _history[_stuckAt.Operation];
            var concurrent = _history
                .Where(op => op.Call <= (stuck.Return ?? long.MaxValue) && (op.Return ?? long.MaxValue) >= stuck.Call && !ReferenceEquals(op, stuck))
                .Take(8)
                .Select(op => $"{Environment.NewLine}      {op}");
            return $"{_deepest} of {_operations.Count(o => !o.Unknown)} completed operations linearize, then {stuck} cannot: " +
                $"the register would be v{_stuckState.Version} {HistoryOperation.Show(_model.ValueOf(_stuckState.Value))}. " +
                $"Operations overlapping it:{string.Concat(concurrent)}";
        }

        private static void Lift(Entry call)
        {
            call.Previous!.Next = call.Next;
            call.Next!.Previous = call.Previous;
            var ret = call.Match!;
            ret.Previous!.Next = ret.Next;
            if (ret.Next is not null)
            {
                ret.Next.Previous = ret.Previous;
            }
        }

        private static void Unlift(Entry call)
        {
            var ret = call.Match!;
            ret.Previous!.Next = ret;
            if (ret.Next is not null)
            {
                ret.Next.Previous = ret;
            }

            call.Previous!.Next = call;
            call.Next!.Previous = call;
        }

        private sealed record Entry(int Operation, bool IsCall, long Time)
        {
            public Entry? Previous { get; set; }

            public Entry? Next { get; set; }

            public Entry? Match { get; set; }
        }

        private readonly struct Memo(Bits linearized, ModelState state) : IEquatable<Memo>
        {
            private readonly Bits _linearized = linearized;
            private readonly ModelState _state = state;

            public bool Equals(Memo other) => _state == other._state && _linearized.Equals(other._linearized);

            public override bool Equals(object? obj) => obj is Memo other && Equals(other);

            public override int GetHashCode() => HashCode.Combine(_linearized.GetHashCode(), _state);
        }
    }

    /// <summary>A fixed-size bit set with value equality.</summary>
    private sealed class Bits : IEquatable<Bits>
    {
        private readonly ulong[] _words;

        public Bits(int size) => _words = new ulong[(size + 63) / 64];

        private Bits(ulong[] words) => _words = words;

        public void Set(int index) => _words[index >> 6] |= 1UL << (index & 63);

        public void Clear(int index) => _words[index >> 6] &= ~(1UL << (index & 63));

        public Bits Copy() => new((ulong[])_words.Clone());

        public bool Equals(Bits? other) => other is not null && _words.AsSpan().SequenceEqual(other._words);

        public override bool Equals(object? obj) => Equals(obj as Bits);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var word in _words)
            {
                hash.Add(word);
            }

            return hash.ToHashCode();
        }
    }
}
