namespace CasPaxos.Orleans.Cli;

/// <summary>A live progress line on standard error, rewritten in place on a terminal, one line a second otherwise.</summary>
internal static class Progress
{
    private static bool _shown;

    public static void Show(string line)
    {
        if (Console.IsErrorRedirected)
        {
            Console.Error.WriteLine(line);
            return;
        }

        Console.Error.Write($"\r{line}\u001b[K");
        _shown = true;
    }

    public static void Done()
    {
        if (_shown)
        {
            Console.Error.WriteLine();
            _shown = false;
        }
    }
}
