using System.Diagnostics;

namespace CasPaxos.Postgres.Local;

/// <summary>Finds the PostgreSQL server programs on this machine.</summary>
internal static class PostgresBinaries
{
    public static string Locate(string? configured)
    {
        foreach (var candidate in Candidates(configured))
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
            {
                return candidate;
            }
        }

        throw new LocalPostgresException(
            "PostgreSQL server programs (initdb, pg_ctl) were not found. Install them (Debian/Ubuntu: apt-get install postgresql), " +
            "set CASPAXOS_PG_BIN to their folder, or configure a connection string to an existing server.");
    }

    private static IEnumerable<string?> Candidates(string? configured)
    {
        yield return configured;
        yield return Environment.GetEnvironmentVariable("CASPAXOS_PG_BIN");
        yield return PgConfigBinDir();
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var versions = Directory.GetDirectories(debianRoot)
                .Select(path => (path, version: int.TryParse(Path.GetFileName(path), out var v) ? v : -1))
                .OrderByDescending(entry => entry.version);
            foreach (var (path, _) in versions)
            {
                yield return Path.Combine(path, "bin");
            }
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            yield return folder;
        }
    }

    private static string? PgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed
        }
    }
}
