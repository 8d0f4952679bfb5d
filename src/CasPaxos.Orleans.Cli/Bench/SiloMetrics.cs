using System.Globalization;

namespace CasPaxos.Orleans.Cli.Bench;

/// <summary>The protocol counters of the silos, read from their Prometheus /metrics and summed.</summary>
internal sealed record SiloMetrics(double Changes, double OneRoundTrip, double Rounds, double Rejections, double Retries, double SpareAccepts)
{
    public static SiloMetrics Zero { get; } = new(0, 0, 0, 0, 0, 0);

    public static async Task<SiloMetrics> ScrapeAsync(HttpClient http, IEnumerable<Uri> silos, CancellationToken cancellationToken)
    {
        var total = Zero;
        foreach (var silo in silos)
        {
            try
            {
                total += Parse(await http.GetStringAsync(new Uri(silo, "/metrics"), cancellationToken));
            }
            catch (HttpRequestException)
            {
                // a killed silo has no metrics; its counters are lost with it
            }
        }

        return total;
    }

    public static SiloMetrics Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        double changes = 0, oneRoundTrip = 0, rounds = 0, rejections = 0, retries = 0, spareAccepts = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var name = line[..Math.Max(0, line.IndexOf('{', StringComparison.Ordinal) is var brace and >= 0 ? brace : space)];
            switch (name)
            {
                case "caspaxos_changes_total":
                    changes += value;
                    if (line.Contains("path=\"one_round_trip\"", StringComparison.Ordinal))
                    {
                        oneRoundTrip += value;
                    }

                    break;
                case "caspaxos_change_rounds_total":
                    rounds += value;
                    break;
                case "caspaxos_change_rejections_total":
                    rejections += value;
                    break;
                case "caspaxos_change_retries_total":
                    retries += value;
                    break;
                case "caspaxos_change_spare_accepts_total":
                    spareAccepts += value;
                    break;
            }
        }

        return new SiloMetrics(changes, oneRoundTrip, rounds, rejections, retries, spareAccepts);
    }

    public static SiloMetrics operator +(SiloMetrics left, SiloMetrics right)
        => new(left.Changes + right.Changes, left.OneRoundTrip + right.OneRoundTrip, left.Rounds + right.Rounds,
            left.Rejections + right.Rejections, left.Retries + right.Retries, left.SpareAccepts + right.SpareAccepts);

    public static SiloMetrics operator -(SiloMetrics left, SiloMetrics right)
        => new(left.Changes - right.Changes, left.OneRoundTrip - right.OneRoundTrip, left.Rounds - right.Rounds,
            left.Rejections - right.Rejections, left.Retries - right.Retries, left.SpareAccepts - right.SpareAccepts);
}
