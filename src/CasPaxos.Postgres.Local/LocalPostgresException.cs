namespace CasPaxos.Postgres.Local;

/// <summary>The private PostgreSQL server could not be set up, started or stopped.</summary>
public sealed class LocalPostgresException : Exception
{
    public LocalPostgresException()
    {
    }

    public LocalPostgresException(string message)
        : base(message)
    {
    }

    public LocalPostgresException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
