package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The benchmarks' arguments: the Makefile's figures, or one line naming what was wrong. */
class BenchmarksTest {

  @Test
  void figuresAsTheMakefilePassesThem() {
    assertThat(Benchmarks.seconds(new String[] {"45", "500 1000,1500"})).isEqualTo(45);
    assertThat(Benchmarks.rates(new String[] {"45", "500 1000,1500"}, 1))
        .containsExactly(500, 1000, 1500);
  }

  @Test
  void withoutArgumentsTheDefaultsHold() {
    assertThat(Benchmarks.seconds(new String[0])).isEqualTo(30);
    assertThat(Benchmarks.rates(new String[] {"30"}, 500, 1000)).containsExactly(500, 1000);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "abc | BENCH_SECONDS: expected a whole number of seconds of at least 1, got 'abc'",
        "0   | BENCH_SECONDS: expected a whole number of seconds of at least 1, got '0'",
      })
  void badSecondsAreNamed(String seconds, String message) {
    assertThatThrownBy(() -> Benchmarks.seconds(new String[] {seconds}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "500 fast | BENCH_RATES: expected changes per second, whole numbers of at least 1 such as"
            + " \"500 1000\", got 'fast'",
        "500 -3   | BENCH_RATES: expected changes per second, whole numbers of at least 1 such as"
            + " \"500 1000\", got '-3'",
        "' '      | BENCH_RATES: expected changes per second, whole numbers of at least 1 such as"
            + " \"500 1000\", got nothing",
      })
  void badRatesAreNamed(String rates, String message) {
    assertThatThrownBy(() -> Benchmarks.rates(new String[] {"30", rates}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
