package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading pgbench's summary, and the ceilings as the benchmark prints and uses them. */
class CeilingsTest {

  @Test
  void pgbenchSummaryGivesTransactionsAndRate() throws Exception {
    String output;
    try (var in = getClass().getResourceAsStream("/ceilings/pgbench-output.txt")) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Ceilings.PgbenchResult result = Ceilings.parsePgbench(output);
    assertThat(result.transactions()).isEqualTo(30_454);
    assertThat(result.tps()).isCloseTo(1017.759152, within(1e-9));
  }

  @Test
  void aSummaryWithoutItsFiguresIsRefusedWithItsText() {
    assertThatThrownBy(() -> Ceilings.parsePgbench("pgbench: error: connection refused\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "pgbench printed no 'number of transactions actually processed' and 'tps' lines:"
                + " pgbench: error: connection refused");
  }

  @Test
  void aCeilingIsItsChangesOverItsTime() {
    Ceilings.Ceiling ceiling =
        new Ceilings.Ceiling("logical decoding", 120_000, 2.5, Map.of("PostgreSQL", 0.9));
    assertThat(ceiling.rate()).isEqualTo(48_000.0);
    assertThat(ceiling.line())
        .isEqualTo(
            "ceiling: logical decoding: 48,000 changes/s (120,000 changes in 2.5s); 0.90 cores in"
                + " all: PostgreSQL 0.90");
  }

  @Test
  void aSustainedRateIsReportedAsAFractionOfTheCommitAndDecodingCeilings() {
    List<Ceilings.Ceiling> ceilings =
        List.of(
            new Ceilings.Ceiling("PostgreSQL commits alone", 40_000, 1, Map.of()),
            new Ceilings.Ceiling("logical decoding alone", 200_000, 1, Map.of()),
            new Ceilings.Ceiling("Debezium catch-up", 2_000, 1, Map.of()));
    assertThat(AnalyticsBenchmark.fractions(1_000, ceilings))
        .isEqualTo(" (0.025 of PostgreSQL commits alone; 0.005 of logical decoding alone)");
    assertThat(AnalyticsBenchmark.fractions(0, ceilings)).isEmpty();
  }

  @Test
  void theProductsCatchUpIsTheBacklogOverDebeziumsDrainAndThenTheJobs() {
    List<Ceilings.Ceiling> ceilings =
        List.of(
            new Ceilings.Ceiling("PostgreSQL commits beside the idle stack", 40_000, 1, Map.of()),
            new Ceilings.Ceiling(
                "Debezium catch-up, resume to all in Kafka", 100_000, 10, Map.of()),
            new Ceilings.Ceiling("the job's catch-up on that backlog", 100_000, 25, Map.of()));
    assertThat(AnalyticsBenchmark.catchUp(ceilings)).isCloseTo(100_000 / 35.0, within(1e-9));
    assertThat(AnalyticsBenchmark.catchUp(List.of())).isNaN();
  }

  @Test
  void thePeerComparisonIsOneLineOfBothSidesAndTheirRatios() {
    List<PeerComparison.Figures> platform =
        List.of(
            new PeerComparison.Figures(500, 500, 600, 900, true),
            new PeerComparison.Figures(1000, 990, 800, 1300, false));
    List<PeerComparison.Figures> peer =
        List.of(
            new PeerComparison.Figures(500, 500, 300, 450, true),
            new PeerComparison.Figures(1000, 1000, 350, 500, true));
    assertThat(PeerComparison.ratios(platform, peer, 3_000, 6_000))
        .isEqualTo(
            "platform / peer, same run: highest sustained rate 500/s / 1000/s; at 500/s p99 900"
                + " / 450 ms (2.00), p50 600 / 300 ms; at 1000/s p99 1300 / 500 ms (2.60), p50"
                + " 800 / 350 ms; catch-up 3,000 / 6,000 changes/s (0.50)");
  }
}
