using System.Diagnostics.Metrics;

namespace CasPaxos.Orleans.Tests;

/// <summary>One instrument of meter "CasPaxos.Orleans", in every silo of this process: the sum and the largest of its measurements.</summary>
internal sealed class InstrumentListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sum;
    private long _largest;

    public InstrumentListener(string instrumentName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CasPaxosMetrics.MeterName && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            Interlocked.Add(ref _sum, value);
            var seen = Interlocked.Read(ref _largest);
            while (value > seen && Interlocked.CompareExchange(ref _largest, value, seen) != seen)
            {
                seen = Interlocked.Read(ref _largest);
            }
        });
        _listener.Start();
    }

    public long Sum => Interlocked.Read(ref _sum);

    public long Largest => Interlocked.Read(ref _largest);

    public void Dispose() => _listener.Dispose();
}
