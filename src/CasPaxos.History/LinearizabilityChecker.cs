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
/// Porcupine. Operations of unknown outcome make that search explode (each may or may not have happened, anywhere
/// after its call), so three sound prunings keep it small: versions only grow, so no step may pass the version a
/// pending completed operation must see; an uncertain operation that would change nothing is never placed; and of
/// uncertain operations with the same kind and input, the one called first is placed first.
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
        // A failed operation had no effect, and a read of unknown outcome could not have had one.
        var verdicts = all
            .Where(op => op.Status != OperationStatus.Fail && !(op.Status == OperationStatus.Unknown && op.Op == OperationKind.Read))
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
        private readonly SortedDictionary<long, int> _pendingVersions = [];
        private readonly int[] _group;
        private readonly int[][] _groupMembers;
        private readonly int[] _groupNext;
        private int _deepest = -1;
        private Entry? _stuckAt;
        private ModelState _stuckState;
        private int _stuckBlocker = -1;

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

            foreach (var operation in operations.Where(o => !o.Unknown))
            {
                AddPending(operation);
            }

            // Uncertain operations with equal effects form groups placed in call order.
            var groups = new Dictionary<(OperationKind, int, long, long), List<int>>();
            _group = new int[operations.Length];
            foreach (var i in Enumerable.Range(0, operations.Length).Where(i => operations[i].Unknown).OrderBy(i => history[i].Call))
            {
                var signature = (operations[i].Kind, operations[i].InputValue, operations[i].ExpectedVersion, operations[i].Delta);
                if (!groups.TryGetValue(signature, out var members))
                {
                    groups[signature] = members = [];
                }

                members.Add(i);
            }

            _groupMembers = [.. groups.Values.Select(members => members.ToArray())];
            _groupNext = new int[_groupMembers.Length];
            for (var g = 0; g < _groupMembers.Length; g++)
            {
                foreach (var member in _groupMembers[g])
                {
                    _group[member] = g;
                }
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
                    if (Eligible(operation) && _model.Step(state, operation, out var next) && Useful(operation, state, next))
                    {
                        Take(operation);
                        linearized.Set(entry.Operation);
                        if (!PassesPendingVersion(next) || !_explored.Add(new Memo(linearized.Copy(), next)))
                        {
                            linearized.Clear(entry.Operation);
                            Untake(operation);
                            entry = entry.Next;
                            continue;
                        }

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
                    _stuckBlocker = OldestPending(linearized, entry.Operation);
                }

                if (stack.Count == 0)
                {
                    return Outcome.NotLinearizable;
                }

                var (call, before) = stack.Pop();
                state = before;
                linearized.Clear(call.Operation);
                Untake(_operations[call.Operation]);
                Unlift(call);
                entry = call.Next;
            }

            return Outcome.Linearizable;
        }

        private int OldestPending(Bits linearized, int except)
        {
            if (_pendingVersions.Count == 0)
            {
                return -1;
            }

            var oldest = _pendingVersions.First().Key;
            return Array.FindIndex(_operations, o => o.Index != except && !o.Unknown && !linearized.Contains(o.Index) && VersionBefore(o) == oldest);
        }

        /// <summary>The version a completed operation must find when it takes effect.</summary>
        private static long VersionBefore(PreparedOperation operation)
            => operation.Kind == OperationKind.Read || !operation.OutputApplied ? operation.OutputVersion : operation.OutputVersion - 1;

        private bool Eligible(PreparedOperation operation)
        {
            if (!operation.Unknown)
            {
                return true;
            }

            var group = _group[operation.Index];
            return _groupMembers[group][_groupNext[group]] == operation.Index;
        }

        /// <summary>An uncertain operation that changes nothing might as well never have happened.</summary>
        private static bool Useful(PreparedOperation operation, ModelState before, ModelState after) => !operation.Unknown || before != after;

        private bool PassesPendingVersion(ModelState next) => _pendingVersions.Count == 0 || next.Version <= _pendingVersions.First().Key;

        private void Take(PreparedOperation operation)
        {
            if (operation.Unknown)
            {
                _groupNext[_group[operation.Index]]++;
            }
            else
            {
                var version = VersionBefore(operation);
                if (--_pendingVersions[version] == 0)
                {
                    _pendingVersions.Remove(version);
                }
            }
        }

        private void Untake(PreparedOperation operation)
        {
            if (operation.Unknown)
            {
                _groupNext[_group[operation.Index]]--;
            }
            else
            {
                AddPending(operation);
            }
        }

        private void AddPending(PreparedOperation operation)
        {
            var version = VersionBefore(operation);
            _pendingVersions[version] = _pendingVersions.GetValueOrDefault(version) + 1;
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
            var blocker = _stuckBlocker >= 0 && _stuckBlocker != _stuckAt.Operation
                ? $" (it would move the register past v{VersionBefore(_operations[_stuckBlocker])}, which {_history[_stuckBlocker]} must still see)"
                : "";
            var concurrent = _history
                .Where(op => op.Call <= (stuck.Return ?? long.MaxValue) && (op.Return ?? long.MaxValue) >= stuck.Call && !ReferenceEquals(op, stuck))
                .Take(8)
                .Select(op => $"{Environment.NewLine}      {op}");
            return $"{_deepest} of {_operations.Count(o => !o.Unknown)} completed operations linearize, then {stuck} cannot{blocker}: " +
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

        public bool Contains(int index) => (_words[index >> 6] & (1UL << (index & 63))) != 0;

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
