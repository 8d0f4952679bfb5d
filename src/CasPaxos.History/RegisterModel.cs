using System.Globalization;
using System.Text;

namespace CasPaxos.History;

/// <summary>A register state in the checker: a version and an interned value (-1 = no value).</summary>
internal readonly record struct ModelState(long Version, int Value);

/// <summary>
/// The sequential specification of a register, the same rules the service documents: every applied change adds one
/// to the version; reads, compare-and-set misses and deletes of an absent value change nothing; increments work on a
/// decimal 64-bit counter (absent = 0) and are refused otherwise.
/// </summary>
internal sealed class RegisterModel
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<byte[]> _values = [];

    public static ModelState Initial => new(0, -1);

    public int Intern(byte[]? value)
    {
        if (value is null)
        {
            return -1;
        }

        var key = Convert.ToBase64String(value);
        if (!_ids.TryGetValue(key, out var id))
        {
            id = _values.Count;
            _ids[key] = id;
            _values.Add(value);
        }

        return id;
    }

    public byte[]? ValueOf(int id) => id < 0 ? null : _values[id];

    /// <summary>
    /// Applies <paramref name="operation"/> to <paramref name="state"/>. False when the operation's observed output
    /// cannot follow from that state (only completed operations are checked against their output).
    /// </summary>
    public bool Step(ModelState state, PreparedOperation operation, out ModelState next)
    {
        next = state;
        bool applied;
        switch (operation.Kind)
        {
            case OperationKind.Read:
                return operation.Unknown || (operation.OutputVersion == state.Version && operation.OutputValue == state.Value);
            case OperationKind.Write:
                next = new ModelState(state.Version + 1, operation.InputValue);
                applied = true;
                break;
            case OperationKind.Cas:
                applied = state.Version == operation.ExpectedVersion;
                next = applied ? new ModelState(state.Version + 1, operation.InputValue) : state;
                break;
            case OperationKind.Increment:
                if (!TryAdd(state.Value, operation.Delta, out var sum))
                {
                    // The service refuses such an increment; only an uncertain one can have been sent.
                    return operation.Unknown;
                }

                next = new ModelState(state.Version + 1, Intern(Encoding.ASCII.GetBytes(sum.ToString(CultureInfo.InvariantCulture))));
                applied = true;
                break;
            case OperationKind.Delete:
                applied = state.Value >= 0;
                next = applied ? new ModelState(state.Version + 1, -1) : state;
                break;
            default:
                throw new InvalidOperationException($"Unknown operation {operation.Kind}.");
        }

        return operation.Unknown ||
            (operation.OutputVersion == next.Version && operation.OutputValue == next.Value && operation.OutputApplied == applied);
    }

    private bool TryAdd(int valueId, long delta, out long sum)
    {
        sum = 0;
        long counter = 0;
        if (valueId >= 0 && !long.TryParse(_values[valueId], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out counter))
        {
            return false;
        }

        try
        {
            sum = checked(counter + delta);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}

/// <summary>An operation with its values interned, as the search uses it.</summary>
internal readonly record struct PreparedOperation(
    int Index,
    OperationKind Kind,
    bool Unknown,
    int InputValue,
    long ExpectedVersion,
    long Delta,
    long OutputVersion,
    int OutputValue,
    bool OutputApplied);
