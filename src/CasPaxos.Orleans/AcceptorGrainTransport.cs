using System.Diagnostics;
using CasPaxos.Core;

namespace CasPaxos.Orleans;

/// <summary>Carries one register's prepare and accept requests to its acceptor grains.</summary>
internal sealed class AcceptorGrainTransport : IAcceptorTransport<RegisterState>
{
    private readonly string _registerKey;
    private readonly IAcceptorGrain[] _acceptors;

    public AcceptorGrainTransport(IGrainFactory grainFactory, string registerKey, int replicaCount)
    {
        _registerKey = registerKey;
        _acceptors = new IAcceptorGrain[replicaCount];
        for (var replica = 0; replica < replicaCount; replica++)
        {
            _acceptors[replica] = grainFactory.GetGrain<IAcceptorGrain>(AcceptorKey.Format(replica, registerKey));
        }
    }

    public async Task<PrepareReply<RegisterState>> PrepareAsync(string key, PrepareRequest request, CancellationToken cancellationToken)
    {
        Debug.Assert(key == _registerKey, "a transport serves one register");
        try
        {
            return (await _acceptors[request.Replica].Prepare(request.Ballot, cancellationToken).ConfigureAwait(false)).ToReply();
        }
        catch (Exception error) when (CertainlyNotApplied(error))
        {
            throw new RequestNotAppliedException(error.Message, error);
        }
    }

    public async Task<AcceptReply> AcceptAsync(string key, AcceptRequest<RegisterState> request, CancellationToken cancellationToken)
    {
        Debug.Assert(key == _registerKey, "a transport serves one register");
        try
        {
            return await _acceptors[request.Replica].Accept(request.Ballot, request.Value, request.Lineage, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (CertainlyNotApplied(error))
        {
            throw new RequestNotAppliedException(error.Message, error);
        }
    }

    /// <remarks>
    /// An acceptor wraps every failed write in <see cref="AcceptorStorageException"/>, so an Npgsql error that arrives
    /// bare comes from reading state during activation: the request never ran, and a refused connection proves it.
    /// </remarks>
    private static bool CertainlyNotApplied(Exception error)
        => error is AcceptorStorageException storage ? storage.NotWritten : StorageErrors.CertainlyNotWritten(error);
}
