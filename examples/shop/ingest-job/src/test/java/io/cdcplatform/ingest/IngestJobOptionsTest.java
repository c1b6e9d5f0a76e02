package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad options are caught before any connection is tried, each with one line naming it. */
class IngestJobOptionsTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--rate | 0 | Invalid value for option '--rate': expected a positive number of changes"
            + " per second or 'unlimited', got '0'",
        "--rate | -5 | Invalid value for option '--rate': expected a positive number",
        "--rate | fast | Invalid value for option '--rate'",
        "--frobnicate | x | Unknown options: '--frobnicate', 'x'",
        "--jdbc-url | postgres://localhost/db | Invalid value for option '--jdbc-url': expected"
            + " jdbc:postgresql://HOST[:PORT]/DATABASE",
        "--jdbc-url | jdbc:postgresql:// | Invalid value for option '--jdbc-url'",
        "--jdbc-url | jdbc:postgresql://host:notaport/db | Invalid value for option '--jdbc-url'",
        "--total | 0 | Invalid value for option '--total': expected a whole number of at least 1",
        "--duration | 10 | Invalid value for option '--duration': expected a duration such as",
        "--tx-size | 0 | Invalid value for option '--tx-size'",
        "--tx-size | 9-3 | Invalid value for option '--tx-size'",
        "--late-fraction | 1.5 | Invalid value for option '--late-fraction': expected a fraction",
        "--late-delay | 10m-2m | Invalid value for option '--late-delay'",
        "--mix | order-status | Invalid value for option '--mix': expected KIND=WEIGHT",
        "--min-products | 1 | Invalid value for option '--min-products': expected at least 2"
      })
  void badValueGivesOneLineAndUsageExit(String option, String value, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new IngestJob(new PrintStream(out, true), new PrintStream(err, true))
            .execute(
                // an unreachable URL: no test here may get as far as connecting
                "--jdbc-url=jdbc:postgresql://127.0.0.1:1/none", option, value);

    String printed = err.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(IngestJob.EXIT_USAGE);
    assertThat(printed.lines()).hasSize(1);
    assertThat(printed).startsWith("ingest-job: ").contains(message);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    // A launcher checking the same arguments up front refuses them with the same words.
    assertThatThrownBy(() -> IngestJob.check(option, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void goodArgumentsPassTheCheckWithoutConnecting() {
    assertThatCode(
            () ->
                IngestJob.check(
                    "--jdbc-url=jdbc:postgresql://127.0.0.1:1/none",
                    "--rate",
                    "500",
                    "--tx-size",
                    "1-8",
                    "--late-fraction",
                    "0.05"))
        .doesNotThrowAnyException();
  }
}
