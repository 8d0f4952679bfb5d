using System.Diagnostics;
using System.Globalization;

namespace CasPaxos.Orleans.Silo;

/// <summary>A silo of the local cluster, running as a child process of this program, its output prefixed and forwarded.</summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ProcessStartInfo _start;
    private Process? _process;

    public SiloProcess(int number, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        Number = number;
        var host = Environment.ProcessPath ?? "dotnet";
        _start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            _start.ArgumentList.Add(typeof(SiloProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            _start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            _start.Environment[name] = value;
        }
    }

    public int Number { get; }

    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public void Start()
    {
        _process?.Dispose();
        _process = Process.Start(_start) ?? throw new InvalidOperationException($"Could not start silo {Number}.");
        _ = ForwardAsync(_process.StandardOutput, Console.Out);
        _ = ForwardAsync(_process.StandardError, Console.Error);
    }

    /// <summary>SIGKILL: the silo dies with no chance to say goodbye, as in a crash.</summary>
    public void Kill() => _process?.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, then SIGKILL if it has not stopped within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var signal = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose() => _process?.Dispose();

    private async Task ForwardAsync(StreamReader reader, TextWriter writer)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            await writer.WriteLineAsync($"[silo {Number}] {line}");
        }
    }
}
