using System.Diagnostics;
using System.Globalization;

namespace CasPaxos.Orleans.LocalCluster;

/// <summary>One silo of a <see cref="LocalCluster"/>: a child process of the silo program, started, killed and restarted at will.</summary>
public sealed class LocalSilo : IDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly Action<int, string>? _output;
    private readonly TimeSpan _readyTimeout;
    private Process? _process;

    private LocalSilo(int number, int siloPort, int gatewayPort, int httpPort, ProcessStartInfo start, Action<int, string>? output, TimeSpan readyTimeout)
    {
        Number = number;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        _start = start;
        _output = output;
        _readyTimeout = readyTimeout;
    }

    /// <summary>
    /// A silo process of <paramref name="siloProgram"/> (a .dll run with dotnet, or a native launcher) configured by
    /// <paramref name="settings"/> as environment variables. Not started yet.
    /// </summary>
    public static LocalSilo Create(int number, string siloProgram, IReadOnlyDictionary<string, string> settings, IEnumerable<string> arguments,
        Action<int, string>? output, TimeSpan readyTimeout)
    {
        ArgumentNullException.ThrowIfNull(siloProgram);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (siloProgram.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.FileName = DotnetHost();
            start.ArgumentList.Add(siloProgram);
        }
        else
        {
            start.FileName = siloProgram;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        int Port(string key) => settings.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) ? port : 0;
        var httpPort = settings.TryGetValue("ASPNETCORE_URLS", out var urls) ? new Uri(urls).Port : 0;
        return new LocalSilo(number, Port("Orleans__Endpoints__SiloPort"), Port("Orleans__Endpoints__GatewayPort"), httpPort, start, output, readyTimeout);
    }

    public int Number { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public Uri HttpAddress { get; }

    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public void Start()
    {
        _process?.Dispose();
        _process = Process.Start(_start) ?? throw new InvalidOperationException($"Could not start silo {Number}.");
        _ = ForwardAsync(_process.StandardOutput);
        _ = ForwardAsync(_process.StandardError);
    }

    /// <summary>Starts the silo (again) and waits until it is Active in the cluster.</summary>
    public async Task RestartAsync(HttpClient http, CancellationToken cancellationToken)
    {
        Start();
        await WaitReadyAsync(http, cancellationToken);
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

    /// <summary>Waits until the silo's /health/ready says it is Active in the membership.</summary>
    public async Task WaitReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var deadline = Stopwatch.GetTimestamp() + (long)(_readyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process is not { HasExited: false })
            {
                throw new LocalClusterException($"Silo {Number} exited during start-up (code {_process?.ExitCode}); its output says why.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(HttpAddress, "/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // slow to answer while starting
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new LocalClusterException($"Silo {Number} did not become ready within {_readyTimeout.TotalSeconds:0} s.");
    }

    /// <summary>The exit code once the process has ended.</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    public void Dispose() => _process?.Dispose();

    /// <summary>The dotnet host that runs this process, or the one the SDK names, or the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    }

    private async Task ForwardAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            _output?.Invoke(Number, line);
        }
    }
}

/// <summary>The local cluster could not be started.</summary>
public sealed class LocalClusterException(string message) : Exception(message);
