using Microsoft.Extensions.Options;

namespace CasPaxos.Orleans;

/// <summary>Refuses a register call with a bad key or an oversized value on the client, before it travels.</summary>
internal sealed class RegisterCallValidationFilter(IOptions<CasPaxosOptions> options) : IOutgoingGrainCallFilter
{
    private readonly RegisterLimits _limits = options.Value.Limits;

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.InterfaceMethod?.DeclaringType == typeof(IRegisterGrain))
        {
            _limits.ValidateKey(context.TargetId.Key.ToString());
            if (context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is RegisterChange change)
            {
                change.Validate(_limits);
            }
        }

        return context.Invoke();
    }
}
