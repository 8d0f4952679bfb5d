using System.Diagnostics;
using System.Globalization;

namespace CasPaxos.Orleans.Silo;

/// <summary>
/// A silo running this program as a child process, its output lines handed to a sink (by default, printed with a
/// "[silo n]" prefix).
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly Action<string> _output;
    private Process? _process;

    /// <param name="program">The silo program's assembly; by default this one, run the way this process was started.</param>
    public SiloProcess(int number, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments,
        Action<string>? output = null, string? program = null)
    {
        Number = number;
        _output = output ?? (line => Console.WriteLine($"[silo {number}] {line}"));
        var host = program is null ? Environment.ProcessPath ?? "dotnet" : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        _start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            _start.ArgumentList.Add(program ?? typeof(SiloProcess).Assembly.Location);
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
        _ = ForwardAsync(_process.StandardOutput);
        _ = ForwardAsync(_process.StandardError);
    }

    /// <summary>The exit code once the process has ended.</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

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

    private async Task ForwardAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            _output(line);
        }
    }
}
