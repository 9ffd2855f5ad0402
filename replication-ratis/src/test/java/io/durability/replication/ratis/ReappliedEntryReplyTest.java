package io.durability.replication.ratis;

import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * After a restart Ratis applies again the Raft entries after its snapshot; a batch the WAL already
 * holds is not written again, and its reply still carries each append's id (outcome DUPLICATE):
 * Ratis's retry cache may hand that reply to a writer's retry of the request, and a bare "already
 * applied" there made acknowledged appends look failed (CI's 5-member nemesis, 256 of them).
 */
class ReappliedEntryReplyTest
{
    @TempDir
    Path root;

    private static Message apply(final WalStateMachine sm, final long term, final long index, final byte[] data) throws Exception
    {
        final LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
            .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data))).build();
        final TransactionContext trx = TransactionContext.newBuilder().setStateMachine(sm)
            .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build();
        return sm.applyTransaction(trx).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBatchAppliedAgainAfterARestartIsAnsweredWithItsAppendsIds() throws Exception
    {
        final ReplicationOptions options = Replicas.options();
        final byte[][] payloads = {{1, 2, 3}, {4, 5}, {6}};
        final byte[] batch = ReplicatedBatch.encode(77, 0, new long[] {1, 2, 3}, payloads, 3);
        final WalStateMachine first = new WalStateMachine(root, options.walOptions(), options.mmapOptions());
        first.reinitialize();
        final UnsafeBuffer written = new UnsafeBuffer(apply(first, 2, 5, batch).getContent().toByteArray());
        first.close();
        assertEquals(3, ReplicatedBatch.replyCount(written, written.capacity()));
        for (int i = 0; i < 3; i++)
        {
            assertEquals(i + 1, ReplicatedBatch.replyId(written, i));
            assertEquals(WalStateMachine.Reply.WRITTEN, ReplicatedBatch.replyOutcome(written, i));
        }

        final WalStateMachine restarted = new WalStateMachine(root, options.walOptions(), options.mmapOptions());
        restarted.reinitialize();
        try
        {
            assertEquals(5, restarted.state().lastIndex(), "the WAL says Raft entry 5 was applied");
            final UnsafeBuffer again = new UnsafeBuffer(apply(restarted, 2, 5, batch).getContent().toByteArray());
            assertEquals(3, ReplicatedBatch.replyCount(again, again.capacity()), "one answer per append, not a bare 'already applied'");
            for (int i = 0; i < 3; i++)
            {
                assertEquals(i + 1, ReplicatedBatch.replyId(again, i), "append " + i + " answered with its id");
                assertEquals(WalStateMachine.Reply.DUPLICATE, ReplicatedBatch.replyOutcome(again, i));
            }
            assertEquals(3, restarted.lastEntryId(), "nothing written twice");
        }
        finally
        {
            restarted.close();
        }
        assertEquals(3, Replicas.read(root).size());
    }
}
