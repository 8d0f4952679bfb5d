using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Storage;

namespace CasPaxos.Orleans;

/// <summary>Checks <see cref="CasPaxosOptions"/> when a silo or client starts, with one clear message per mistake.</summary>
internal sealed class CasPaxosOptionsValidator(IOptions<CasPaxosOptions> options, IServiceProvider services, bool isSilo) : IConfigurationValidator
{
    public const int MaxReplicaCount = 15;
    public const int MaxKeyBytesLimit = 2048;
    public const int MaxValueBytesLimit = 64 * 1024 * 1024;

    public void ValidateConfiguration()
    {
        var o = options.Value;
        Require(o.MaxKeyBytes is >= 1 and <= MaxKeyBytesLimit, $"{nameof(o.MaxKeyBytes)} must lie between 1 and {MaxKeyBytesLimit}; it is {o.MaxKeyBytes}.");
        Require(o.MaxValueBytes is >= 1 and <= MaxValueBytesLimit, $"{nameof(o.MaxValueBytes)} must lie between 1 and {MaxValueBytesLimit}; it is {o.MaxValueBytes}.");
        if (!isSilo)
        {
            return;
        }

        Require(o.ReplicaCount is >= 1 and <= MaxReplicaCount, $"{nameof(o.ReplicaCount)} must lie between 1 and {MaxReplicaCount}; it is {o.ReplicaCount}.");
        Require(o.ReplicaCount % 2 == 1, $"{nameof(o.ReplicaCount)} must be odd (2F+1): {o.ReplicaCount} acceptors tolerate no more failures than {o.ReplicaCount - 1} and cost one more write per change.");
        Require(o.ChangeTimeout > TimeSpan.Zero, $"{nameof(o.ChangeTimeout)} must be positive; it is {o.ChangeTimeout}.");
        Require(o.AcceptorCallTimeout > TimeSpan.Zero && o.AcceptorCallTimeout <= o.ChangeTimeout,
            $"{nameof(o.AcceptorCallTimeout)} must be positive and at most {nameof(o.ChangeTimeout)} ({o.ChangeTimeout}); it is {o.AcceptorCallTimeout}.");
        Require(o.InitialBackoff > TimeSpan.Zero && o.MaxBackoff >= o.InitialBackoff,
            $"Backoff must satisfy 0 < {nameof(o.InitialBackoff)} ({o.InitialBackoff}) <= {nameof(o.MaxBackoff)} ({o.MaxBackoff}).");
        Require(!o.ThriftyAccepts || (o.ThriftyAcceptTimeout > TimeSpan.Zero && o.ThriftyAcceptTimeout < o.AcceptorCallTimeout),
            $"{nameof(o.ThriftyAcceptTimeout)} must be positive and below {nameof(o.AcceptorCallTimeout)} ({o.AcceptorCallTimeout}); it is {o.ThriftyAcceptTimeout}.");
        Require(o.MaxBatchSize >= 1, $"{nameof(o.MaxBatchSize)} must be at least 1; it is {o.MaxBatchSize}.");
        Require(o.StorageNames.Count == 0 || o.StorageNames.Count == o.ReplicaCount,
            $"{nameof(o.StorageNames)} names a storage provider per replica: give {o.ReplicaCount} names or none (then all replicas use \"{CasPaxosOptions.DefaultStorageName}\"); it has {o.StorageNames.Count}.");
        for (var replica = 0; replica < o.ReplicaCount; replica++)
        {
            var name = o.StorageNameFor(replica);
            Require(!string.IsNullOrWhiteSpace(name), $"{nameof(o.StorageNames)}[{replica}] is empty.");
            Require(services.GetKeyedService<IGrainStorage>(name) is not null,
                $"Replica {replica} stores its acceptors in grain storage \"{name}\", which is not registered on this silo. " +
                $"Add it with siloBuilder.AddCasPaxosPostgresStorage(connectionString, \"{name}\") or AddAdoNetGrainStorage(\"{name}\", ...).");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new OrleansConfigurationException($"CasPaxos configuration: {message}");
        }
    }
}
