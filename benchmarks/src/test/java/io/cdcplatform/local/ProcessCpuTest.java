package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading CPU time from /proc and turning two snapshots into cores. */
class ProcessCpuTest {

  @Test
  void userAndSystemTimesAreReadPastTheCommandName() {
    // utime 120, stime 30, cutime 7, cstime 3; the name holds a space and a parenthesis.
    String stat =
        "4242 (java (main) x) S 1 4242 1 0 -1 4194304 98 0 0 0 120 30 7 3 20 0 41 0 5182345"
            + " 3133440 389 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    assertThat(ProcessCpu.parse(stat)).isEqualTo(new ProcessCpu.Times(150, 10));
  }

  @Test
  void thisProcessHasUsedSomeTime() {
    // Starting the JVM and loading the test took far more than a tick.
    assertThat(ProcessCpu.of(ProcessHandle.current().pid()).self()).isPositive();
  }

  @Test
  void aServersTreeCountsTheChildrenItHasReaped() throws Exception {
    // A server that starts short-lived busy children, one after another, like a postmaster its
    // backends: when they are gone their time is still the server's.
    Process server =
        new ProcessBuilder(
                "bash",
                "-c",
                "for i in 1 2 3; do timeout 0.3 sh -c 'while :; do :; done'; done; sleep 30")
            .start();
    try {
      Thread.sleep(2_000);
      long tree = ProcessCpu.ofTree(server.pid());
      assertThat(ProcessCpu.of(server.pid()).self()).isLessThan(20);
      assertThat(tree).isGreaterThanOrEqualTo(30);
    } finally {
      server.destroyForcibly().waitFor();
    }
  }

  @Test
  void aProcessThatIsGoneHasUsedNothing() {
    assertThat(ProcessCpu.of(Long.MAX_VALUE)).isEqualTo(new ProcessCpu.Times(0, 0));
  }

  @Test
  void aLineWithoutItsFieldsIsRefusedByName() {
    assertThatThrownBy(() -> ProcessCpu.parse("4242 (java) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a /proc/<pid>/stat line with too few fields: 4242 (java) S 1 2");
  }

  @Test
  void ticksBetweenTwoSnapshotsBecomeCores() {
    Map<String, Long> before = new LinkedHashMap<>(Map.of("Connect", 1_000L));
    Map<String, Long> after = new LinkedHashMap<>();
    after.put("Connect", 1_150L);
    after.put("Flink", 300L);
    Map<String, Double> cores = ProcessCpu.cores(before, after, 2.0);
    assertThat(cores.get("Connect")).isCloseTo(0.75, within(1e-9));
    // A process that started after the first snapshot counts from zero.
    assertThat(cores.get("Flink")).isCloseTo(1.5, within(1e-9));
    assertThat(ProcessCpu.describe(cores)).isEqualTo("2.25 cores in all: Connect 0.75, Flink 1.50");
  }
}
