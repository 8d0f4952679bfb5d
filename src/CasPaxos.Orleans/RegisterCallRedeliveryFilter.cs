using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CasPaxos.Orleans;

/// <summary>
/// Sends a register call again when Orleans rejected it before any proposer ran it, until the caller's token fires or
/// <see cref="CasPaxosOptions.ChangeTimeout"/> passes. A rejection proper (<see cref="OrleansMessageRejectionException"/>
/// itself) means the runtime never delivered the request: it could not place or reach the proposer, say because a silo
/// just died and its directory partition is not yet reassigned. So the change certainly did not apply and sending it
/// again cannot apply it twice. Its subclass <see cref="SiloUnavailableException"/> is not that: Orleans also raises it
/// for requests already running when their silo died or shut down, whose changes may apply; it is passed on as it is.
/// The proposer never lets an error of its own escape as a rejection.
/// </summary>
internal sealed partial class RegisterCallRedeliveryFilter(IOptions<CasPaxosOptions> options, TimeProvider time, ILogger<RegisterCallRedeliveryFilter> logger)
    : IOutgoingGrainCallFilter
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(200);

    private readonly TimeSpan _budget = options.Value.ChangeTimeout;

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.InterfaceMethod?.DeclaringType == typeof(IRegisterGrain) ? InvokeRedeliveringAsync(context) : context.Invoke();
    }

    private async Task InvokeRedeliveringAsync(IOutgoingGrainCallContext context)
    {
        var cancellationToken = context.Request.GetCancellationToken();
        var started = time.GetTimestamp();
        var pause = FirstPause;
        for (var attempt = 1; ; attempt++)
        {
            OrleansMessageRejectionException? rejection;
            try
            {
                await context.Invoke();
                rejection = NeverDelivered(context.Response?.Exception);
            }
            catch (OrleansMessageRejectionException thrown) when (NeverDelivered(thrown) is not null)
            {
                rejection = thrown;
            }

            if (rejection is null)
            {
                return;
            }

            if (time.GetElapsedTime(started) + pause >= _budget)
            {
                throw new RegisterUnavailableException(
                    $"Register '{context.TargetId.Key}' is unavailable: Orleans could not deliver the change to a proposer in {attempt} attempts " +
                    $"({rejection.Message}). The change did not apply.", rejection);
            }

            LogRedelivery(logger, context.TargetId, attempt, rejection.Message);
            await Task.Delay(pause, time, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, pause.Ticks * 2));
        }
    }

    private static OrleansMessageRejectionException? NeverDelivered(Exception? error)
        => error is OrleansMessageRejectionException rejection && rejection.GetType() == typeof(OrleansMessageRejectionException) ? rejection : null;

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Register}: Orleans rejected attempt {Attempt} before a proposer ran it ({Rejection}); sending it again")]
    private static partial void LogRedelivery(ILogger logger, GrainId register, int attempt, string rejection);
}
