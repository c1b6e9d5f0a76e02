package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sequencer, record by record: whole transactions, in commit order, nothing held for good. */
class TransactionSequencerTest {

  private static final long TIMEOUT = TimeUnit.MINUTES.toMillis(5);

  private TwoInputStreamOperatorTestHarness<Change, TransactionEnd, Change> harness;

  @BeforeEach
  void open() throws Exception {
    harness = harness();
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void interleavedTransactionsGoOnWholeInCommitOrder() throws Exception {
    // Transaction 7 commits first though 8 wrote first; their changes arrive mixed.
    change(8, 1, "b1", 100);
    change(7, 1, "a1", 101);
    change(8, 2, "b2", 102);
    assertThat(passed()).isEmpty();

    end(7, 1000, 2);
    assertThat(passed()).as("7 ended but one of its changes is missing").isEmpty();
    end(8, 2000, 2);
    assertThat(passed()).isEmpty();

    change(7, 2, "a2", 103);
    assertThat(passed()).containsExactly("a1", "a2", "b1", "b2");
  }

  @Test
  void aTransactionWaitsForTheOnesCommittedBeforeIt() throws Exception {
    end(7, 1000, 1);
    end(8, 2000, 1);
    change(8, 1, "b1", 100);
    assertThat(passed()).isEmpty();

    change(7, 1, "a1", 101);
    assertThat(passed()).containsExactly("a1", "b1");
  }

  @Test
  void redeliveriesAreToldByTheirPlaceInTheTransaction() throws Exception {
    change(7, 1, "a1", 100);
    change(7, 1, "a1", 100);
    change(7, 2, "a2", 101);
    end(7, 1000, 2);
    assertThat(passed()).containsExactly("a1", "a2");

    // Connect resent the transaction after it went on: the router drops what it has.
    change(7, 2, "a2", 101);
    end(7, 1000, 2);
    assertThat(passed()).containsExactly("a1", "a2", "a2");
  }

  /**
   * Debezium restarted inside a transaction without a new task (PostgreSQL went away under it)
   * numbers the rest of the transaction from 1 again, and its END counts only those: here the first
   * run sent the changes at WAL positions 1 to 6, the second resumes at 4 and sends 4 to 10 as
   * orders 1 to 7. Every change goes on once; the orders would have taken 7, 8 and 9 for
   * redeliveries of 1, 2 and 3.
   */
  @Test
  void aTransactionRenumberedByACaptureRestartIsAppliedWhole() throws Exception {
    for (long lsn = 1; lsn <= 6; lsn++) {
      placed(7, lsn, lsn, "r" + lsn);
    }
    for (long lsn = 4; lsn <= 10; lsn++) {
      placed(7, lsn, lsn - 3, "r" + lsn);
    }
    end(7, 1000, 7);

    assertThat(passed())
        .containsExactly("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10");
  }

  /**
   * The END of a renumbered run counts the changes from where that run began: a transaction is not
   * complete while fewer are held from there on, though more are held in all.
   */
  @Test
  void aRenumberedTransactionWaitsForTheRestOfItsLastRun() throws Exception {
    for (long lsn = 1; lsn <= 6; lsn++) {
      placed(7, lsn, lsn, "r" + lsn);
    }
    end(7, 1000, 7);
    for (long lsn = 4; lsn <= 7; lsn++) {
      placed(7, lsn, lsn - 3, "r" + lsn);
    }
    assertThat(passed()).as("7 of 10 held, 4 of the last run's 7").isEmpty();

    for (long lsn = 8; lsn <= 10; lsn++) {
      placed(7, lsn, lsn - 3, "r" + lsn);
    }
    assertThat(passed()).hasSize(10);
  }

  /** One WAL record with several rows (COPY): same position, told apart by their rows. */
  @Test
  void rowsOfOneWalRecordAreAllKept() throws Exception {
    placed(7, 5, 1, "x");
    placed(7, 5, 2, "y");
    placed(7, 5, 2, "y");
    end(7, 1000, 2);

    assertThat(passed()).containsExactly("x", "y");
  }

  @Test
  void snapshotReadsAndChangesWithoutATransactionGoOnAtOnce() throws Exception {
    Change read = change("r1", 50);
    read.snapshot = true;
    harness.processElement1(new StreamRecord<>(read, 50));
    change(7, 1, "a1", 100);
    harness.processElement1(new StreamRecord<>(change("plain", 60), 60));

    assertThat(passed()).containsExactly("r1", "plain");
  }

  @Test
  void theWatermarkStaysBelowTheOldestChangeHeld() throws Exception {
    change(7, 1, "a1", 100);
    harness.processWatermark1(new Watermark(500));
    assertThat(watermarks()).containsExactly(99L);

    end(7, 1000, 1);
    assertThat(watermarks()).containsExactly(99L, 500L);
    harness.processWatermark2(new Watermark(9_000));
    assertThat(watermarks()).as("the transaction topic's watermark is not the job's").hasSize(2);
  }

  @Test
  void eachCheckpointSendsThePositionItReaches() throws Exception {
    harness.prepareSnapshotPreBarrier(1);
    assertThat(positions()).as("nothing applied yet").isEmpty();

    change(7, 1, "a1", 100);
    end(7, 1000, 1);
    change(8, 1, "b1", 101);
    end(8, 2000, 1);
    change(9, 1, "c1", 102);
    harness.prepareSnapshotPreBarrier(2);
    harness.prepareSnapshotPreBarrier(3);

    assertThat(positions()).containsExactly("8@2000");
  }

  @Test
  void aTransactionMissingChangesGoesOnAfterTheTimeoutAndIsNamed() throws Exception {
    harness.setProcessingTime(0);
    change(7, 1, "a1", 100);
    end(7, 1000, 2);
    change(8, 1, "b1", 101);
    end(8, 2000, 1);

    harness.setProcessingTime(TIMEOUT - 1_000);
    assertThat(passed()).isEmpty();
    harness.setProcessingTime(TIMEOUT + 1_000);

    List<Change> out = harness.extractOutputValues();
    assertThat(out)
        .extracting(c -> c.reason == null ? c.key : "poison")
        .containsExactly("poison", "a1", "b1");
    assertThat(out.get(0).reason).contains("transaction 7").contains("holds 2").contains("only 1");
    assertThat(out.get(0).coordinates()).isEqualTo("cdc.transaction/0@7");
  }

  @Test
  void changesWhoseEndNeverComesGoOnAfterTheTimeout() throws Exception {
    harness.setProcessingTime(0);
    change(7, 1, "a1", 100);
    harness.setProcessingTime(TIMEOUT + 1_000);

    assertThat(passed()).containsExactly("a1");
  }

  @Test
  void whatIsHeldSurvivesARestore() throws Exception {
    change(7, 1, "a1", 100);
    end(7, 1000, 2);
    change(8, 1, "b1", 101);
    OperatorSubtaskState saved = harness.snapshot(1, 1);
    harness.close();

    harness = harness();
    harness.initializeState(saved);
    harness.open();
    end(8, 2000, 1);
    change(7, 2, "a2", 102);

    assertThat(passed()).containsExactly("a1", "a2", "b1");
  }

  @Test
  void theTransactionsAppliedSurviveARestore() throws Exception {
    for (long tx = 1; tx <= 3; tx++) {
      change(tx, 1, "t" + tx, 100 + tx);
      end(tx, 1000 * tx, 1);
    }
    assertThat(passed()).containsExactly("t1", "t2", "t3");
    OperatorSubtaskState saved = harness.snapshot(1, 1);
    harness.close();

    harness = harness();
    harness.initializeState(saved);
    harness.open();
    // Redelivered after the restore (Connect resent them): known as applied, they go straight on
    // instead of waiting for an END that was consumed before the checkpoint.
    change(2, 1, "t2", 102);
    change(3, 1, "t3", 103);

    assertThat(passed()).containsExactly("t2", "t3");
  }

  @Test
  void aVerificationRoundCutsAtItsSnapshotAndHoldsTheRestUntilTheCutIsCommitted() throws Exception {
    change(7, 1, "a1", 100);
    end(7, 1000, 1);
    heartbeat(8, 1, 0, 1500);
    change(9, 1, "b1", 101);
    end(9, 2000, 1);
    change(10, 1, "c1", 102);
    end(10, 3000, 1);
    assertThat(passed())
        .as("transactions after the round's start wait")
        .containsExactly("a1", "hb");

    heartbeat(11, 1, 2500, 3500);
    assertThat(passed())
        .as("what committed up to the snapshot's LSN goes on")
        .containsExactly("a1", "hb", "b1");
    harness.prepareSnapshotPreBarrier(4);
    assertThat(positions()).containsExactly("9@2000 cut 1 next 10");

    harness.notifyOfCompletedCheckpoint(3);
    assertThat(passed()).as("an older checkpoint does not carry the cut").hasSize(3);
    harness.notifyOfCompletedCheckpoint(4);
    assertThat(passed()).containsExactly("a1", "hb", "b1", "c1", "hb");
    harness.prepareSnapshotPreBarrier(5);
    assertThat(positions()).containsExactly("9@2000 cut 1 next 10", "11@3500");
  }

  @Test
  void aRoundWhoseCutNeverComesIsGivenUp() throws Exception {
    harness.setProcessingTime(0);
    heartbeat(8, 1, 0, 1500);
    change(9, 1, "b1", 101);
    end(9, 2000, 1);
    harness.setProcessingTime(TransactionSequencer.HOLD_MILLIS - 1_000);
    assertThat(passed()).containsExactly("hb");
    harness.setProcessingTime(TransactionSequencer.HOLD_MILLIS + 1_000);
    assertThat(passed()).containsExactly("hb", "b1");

    heartbeat(10, 1, 1800, 2500);
    change(11, 1, "c1", 102);
    end(11, 3000, 1);
    assertThat(passed())
        .as("the round's late cut starts nothing")
        .containsExactly("hb", "b1", "hb", "c1");
    harness.prepareSnapshotPreBarrier(1);
    assertThat(positions()).containsExactly("11@3000");
  }

  @Test
  void aRoundHeldSurvivesARestore() throws Exception {
    heartbeat(8, 1, 0, 1500);
    change(9, 1, "b1", 101);
    end(9, 2000, 1);
    OperatorSubtaskState saved = harness.snapshot(1, 1);
    harness.close();

    harness = harness();
    harness.initializeState(saved);
    harness.open();
    heartbeat(10, 1, 2500, 3000);
    harness.prepareSnapshotPreBarrier(2);
    assertThat(positions()).containsExactly("9@2000 cut 1 next 10");
  }

  private static TwoInputStreamOperatorTestHarness<Change, TransactionEnd, Change> harness()
      throws Exception {
    return new TwoInputStreamOperatorTestHarness<>(new TransactionSequencer(TIMEOUT));
  }

  /** A change at WAL position {@code 10 * order}, so positions follow Debezium's order. */
  private void change(long txId, long order, String key, long timestamp) throws Exception {
    Change change = change(key, timestamp);
    change.txId = txId;
    change.txOrder = order;
    change.lsn = 10 * order;
    harness.processElement1(new StreamRecord<>(change, timestamp));
  }

  private void placed(long txId, long lsn, long order, String key) throws Exception {
    Change change = change(key, 100 + lsn);
    change.txId = txId;
    change.txOrder = order;
    change.lsn = lsn;
    harness.processElement1(new StreamRecord<>(change, 100 + lsn));
  }

  private static Change change(String key, long timestamp) {
    Change change = new Change();
    change.topic = "cdc.app.items";
    change.table = 0;
    change.op = "c";
    change.key = key;
    change.eventMillis = timestamp;
    return change;
  }

  /**
   * A streamed heartbeat change of verification round {@code round} naming {@code cut}, and its
   * END.
   */
  private void heartbeat(long txId, long round, long cut, long commitLsn) throws Exception {
    Change beat = change("hb", commitLsn);
    beat.txId = txId;
    beat.txOrder = 1;
    beat.verifyRound = round;
    beat.verifyCut = cut;
    harness.processElement1(new StreamRecord<>(beat, commitLsn));
    end(txId, commitLsn, 1);
  }

  private void end(long txId, long commitLsn, long changes) throws Exception {
    harness.processElement2(
        new StreamRecord<>(
            new TransactionEnd(txId, commitLsn, commitLsn, changes, "cdc.transaction/0@" + txId)));
  }

  private List<String> passed() {
    return harness.extractOutputValues().stream().map(c -> c.key).toList();
  }

  private List<Long> watermarks() {
    List<Long> marks = new ArrayList<>();
    for (Object element : harness.getOutput()) {
      if (element instanceof Watermark mark) {
        marks.add(mark.getTimestamp());
      }
    }
    return marks;
  }

  private List<String> positions() {
    var out = harness.getSideOutput(TransactionSequencer.POSITIONS);
    List<String> positions = new ArrayList<>();
    if (out != null) {
      for (StreamRecord<SourcePosition> record : out) {
        SourcePosition at = record.getValue();
        positions.add(
            at.txId
                + "@"
                + at.commitLsn
                + (at.cutRound > 0 ? " cut " + at.cutRound + " next " + at.nextTxId : ""));
      }
    }
    return positions;
  }
}
