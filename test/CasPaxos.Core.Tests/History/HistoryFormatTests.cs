using CasPaxos.History;
using static CasPaxos.Core.Tests.History.H;

namespace CasPaxos.Core.Tests.History;

public class HistoryFormatTests
{
    [Fact]
    public void Lines_follow_the_design_format()
    {
        var line = HistoryFormat.ToLine(Cas(10, 25, 3, "v", 4, "v", applied: true) with { Client = 7 });
        Assert.Equal("""{"client":7,"key":"k","op":"cas","input":{"expectedVersion":3,"value":"v"},"call":10,"return":25,"status":"ok","output":{"version":4,"value":"v","applied":true}}""", line);

        var unknown = HistoryFormat.ToLine(Increment(5, null, 2, 0, 0));
        Assert.Equal("""{"client":0,"key":"k","op":"increment","input":{"delta":2},"call":5,"return":null,"status":"unknown"}""", unknown);
    }

    [Fact]
    public async Task A_history_survives_a_round_trip_through_the_file_format()
    {
        var history = new[]
        {
            Read(0, 1, 0, null),
            Write(2, 3, "ünïcödé", 1),
            Failed(Cas(4, 5, 9, "x", 0, null, applied: false)),
            Increment(6, null, -3, 0, 0),
            Delete(8, 9, 2, applied: true),
            new HistoryOperation(3, "bin", OperationKind.Write, new HistoryInput([0xff, 0x00, 0xfe]), 10, 11, OperationStatus.Ok,
                new HistoryOutput(1, [0xff, 0x00, 0xfe], true)),
        };
        using var writer = new StringWriter();
        await HistoryFormat.WriteAsync(writer, history);
        Assert.Contains("\"encoding\":\"base64\"", writer.ToString(), StringComparison.Ordinal);

        var read = await HistoryFormat.ReadAsync(new StringReader(writer.ToString()));

        Assert.Equal(history.Length, read.Count);
        for (var i = 0; i < history.Length; i++)
        {
            Assert.Equal(HistoryFormat.ToLine(history[i]), HistoryFormat.ToLine(read[i]));
        }
    }

    [Fact]
    public async Task A_malformed_line_is_reported_with_its_number()
    {
        var text = HistoryFormat.ToLine(Read(0, 1, 0, null)) + "\n{\"client\":1,\"op\":\"read\"}\n";
        var error = await Assert.ThrowsAsync<FormatException>(() => HistoryFormat.ReadAsync(new StringReader(text)));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_operation_name_is_refused()
    {
        var line = HistoryFormat.ToLine(Read(0, 1, 0, null)).Replace("\"read\"", "\"append\"", StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => HistoryFormat.FromLine(line));
    }
}
