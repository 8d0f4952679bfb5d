using System.Net.Sockets;
using Npgsql;

namespace CasPaxos.Orleans;

/// <summary>
/// Tells a failed write that certainly never reached PostgreSQL from one whose fate is unknown. Only the first kind
/// lets a proposer call an accept "not stored"; anything in doubt must count as possibly stored, so this errs on the
/// side of doubt: a session the server ended mid-statement (57P01) may still have committed.
/// </summary>
internal static class StorageErrors
{
    public static bool CertainlyNotWritten(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Refused while connecting: no session, no statement.
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound }:
                    return true;

                // "The database system is starting up / shutting down": refused at session start.
                case PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow }:
                    return true;
            }
        }

        return false;
    }
}
