using System.Text;
using CasPaxos.Core;

namespace CasPaxos.Orleans.Tests;

public class AcceptorRecordEncodingTests
{
    public static TheoryData<string> Records => ["fresh", "empty register", "tombstone", "value", "binary value", "long lineage"];

    private static AcceptorRecord Record(string name) => name switch
    {
        "fresh" => new AcceptorRecord(),
        "empty register" => new AcceptorRecord { Promise = new Ballot(3, 1), Accepted = new Ballot(2, 1), Value = RegisterState.Empty },
        "tombstone" => new AcceptorRecord { Promise = new Ballot(9, 2), Accepted = new Ballot(8, 2), Value = new RegisterState(5, null), Lineage = Lineage.Empty.Descend(new Ballot(7, 3), 8) },
        "value" => new AcceptorRecord { Promise = new Ballot(9, 2), Accepted = new Ballot(8, 2), Value = new RegisterState(12, Encoding.UTF8.GetBytes("hello")) },
        "binary value" => new AcceptorRecord { Promise = new Ballot(long.MaxValue, long.MaxValue), Accepted = new Ballot(1, 1), Value = new RegisterState(1, [0, 255, 7]) },
        _ => new AcceptorRecord
        {
            Promise = new Ballot(100, 5),
            Accepted = new Ballot(99, 5),
            Value = new RegisterState(40, new byte[70_000]),
            Lineage = Enumerable.Range(1, 20).Aggregate(Lineage.Empty, (lineage, i) => lineage.Descend(new Ballot(i, (i % 3) + 1), 8)),
        },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void A_record_survives_encoding(string name)
    {
        var record = Record(name);
        var decoded = AcceptorRecordEncoding.Decode(AcceptorRecordEncoding.Encode(record));
        Assert.Equal(record.ToState(), decoded.ToState());
    }

    [Fact]
    public void The_encoding_is_compact()
    {
        var record = Record("value");
        Assert.True(AcceptorRecordEncoding.Encode(record).Length < 80 + 5);
    }

    [Fact]
    public void Something_else_is_refused_as_a_format_error()
    {
        Assert.Throws<FormatException>(() => AcceptorRecordEncoding.Decode(Encoding.UTF8.GetBytes("{\"$type\":\"json\"}")));
        Assert.Throws<FormatException>(() => AcceptorRecordEncoding.Decode([]));
    }
}
