package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MixTest {

  @Test
  void overridesReplaceOnlyTheNamedWeights() {
    Mix mix = Mix.parse("insert-order=100, delete-customer=0");

    assertThat(mix.toString()).contains("insert-order=100", "delete-customer=0", "order-status=30");
  }

  @Test
  void drawsCoverTheWholeUnitInterval() {
    Mix mix =
        Mix.parse(
            "insert-order=1,order-status=1,order-amount=0,order-product=0,"
                + "product-category=0,delete-order=0,insert-customer=0,delete-customer=0,insert-product=0");

    assertThat(mix.draw(0.0)).isEqualTo(OperationKind.INSERT_ORDER);
    assertThat(mix.draw(0.49)).isEqualTo(OperationKind.INSERT_ORDER);
    assertThat(mix.draw(0.5)).isEqualTo(OperationKind.ORDER_STATUS);
    assertThat(mix.draw(0.9999)).isEqualTo(OperationKind.ORDER_STATUS);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "refunds=3 | unknown operation 'refunds'; expected one of insert-order",
        "insert-order | expected KIND=WEIGHT entries",
        "order-status=x | weight of order-status must be a whole number, got 'x'",
        "order-status=-1 | weight of order-status must be between 0 and 1000000, got -1",
        "insert-order=0 | insert-order needs a positive weight"
      })
  void badMixesAreRejectedWithTheReason(String text, String message) {
    assertThatThrownBy(() -> Mix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
