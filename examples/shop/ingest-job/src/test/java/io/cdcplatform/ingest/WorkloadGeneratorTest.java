package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cdcplatform.ingest.Operation.InsertOrder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadGeneratorTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static WorkloadGenerator generator(WorkloadShape shape, long seed) {
    return new WorkloadGenerator(shape, seed, new ShopModel(), CLOCK);
  }

  private static List<Operation> operations(WorkloadGenerator generator, int transactions) {
    List<Operation> operations = new ArrayList<>();
    for (int i = 0; i < transactions; i++) {
      operations.addAll(generator.nextTransaction(Long.MAX_VALUE));
    }
    return operations;
  }

  private static WorkloadShape shape(Mix mix, int minTx, int maxTx, double lateFraction) {
    return new WorkloadShape(
        mix,
        minTx,
        maxTx,
        Duration.ofSeconds(5),
        lateFraction,
        Duration.ofMinutes(2),
        Duration.ofMinutes(10),
        20,
        100);
  }

  @Test
  void sameSeedDrawsTheSameOperations() {
    List<Operation> first = operations(generator(WorkloadShape.defaults(), 42), 3_000);
    List<Operation> second = operations(generator(WorkloadShape.defaults(), 42), 3_000);

    assertThat(first).hasSizeGreaterThan(3_000).isEqualTo(second);
  }

  @Test
  void differentSeedsDrawDifferentOperations() {
    List<Operation> first = operations(generator(WorkloadShape.defaults(), 1), 500);
    List<Operation> second = operations(generator(WorkloadShape.defaults(), 2), 500);

    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void referenceDataComesFirst() {
    List<Operation> operations = operations(generator(WorkloadShape.defaults(), 3), 200);

    assertThat(operations.subList(0, 20)).allMatch(op -> op.kind() == OperationKind.INSERT_PRODUCT);
    assertThat(operations.subList(20, 120))
        .allMatch(op -> op.kind() == OperationKind.INSERT_CUSTOMER);
  }

  @Test
  void kindsFollowTheMixWeights() {
    WorkloadGenerator generator = generator(WorkloadShape.defaults(), 11);
    operations(generator, 200); // reference data and a first stock of orders
    Map<OperationKind, Integer> counts = new EnumMap<>(OperationKind.class);
    int total = 0;
    for (Operation op : operations(generator, 20_000)) {
      counts.merge(op.kind(), 1, Integer::sum);
      total++;
    }

    Mix mix = Mix.defaults();
    for (OperationKind kind : OperationKind.values()) {
      double observed = counts.getOrDefault(kind, 0) / (double) total;
      assertThat(observed).as(kind.optionName()).isCloseTo(mix.share(kind), within(0.01));
    }
  }

  @Test
  void kindsWithZeroWeightNeverAppear() {
    Mix mix = Mix.parse("order-amount=0,order-product=0,product-category=0,delete-customer=0");
    Set<OperationKind> seen = new HashSet<>();
    for (Operation op : operations(generator(shape(mix, 1, 5, 0.02), 5), 5_000)) {
      seen.add(op.kind());
    }

    assertThat(seen)
        .doesNotContain(
            OperationKind.ORDER_AMOUNT,
            OperationKind.ORDER_PRODUCT,
            OperationKind.PRODUCT_CATEGORY,
            OperationKind.DELETE_CUSTOMER)
        .contains(OperationKind.INSERT_ORDER, OperationKind.ORDER_STATUS);
  }

  @Test
  void eventTimesStayWithinTheSkewOrTheLateDelay() {
    List<InsertOrder> orders =
        operations(generator(shape(Mix.defaults(), 1, 5, 0.1), 9), 20_000).stream()
            .filter(InsertOrder.class::isInstance)
            .map(InsertOrder.class::cast)
            .toList();

    long late = 0;
    for (InsertOrder order : orders) {
      Duration lag = Duration.between(order.createdAt(), NOW);
      if (order.late()) {
        late++;
        assertThat(lag).isBetween(Duration.ofMinutes(2), Duration.ofMinutes(10));
      } else {
        assertThat(lag).isBetween(Duration.ZERO, Duration.ofSeconds(5));
      }
    }
    assertThat(orders).hasSizeGreaterThan(15_000);
    assertThat(late / (double) orders.size()).isCloseTo(0.1, within(0.01));
    // The skew really spreads event times: they are out of order, not all equal to "now".
    assertThat(orders.stream().map(InsertOrder::createdAt).distinct().count()).isGreaterThan(1000);
  }

  @Test
  void transactionsHoldBetweenMinAndMaxOperations() {
    WorkloadGenerator generator = generator(shape(Mix.defaults(), 3, 7, 0.02), 13);
    Set<Integer> sizes = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      sizes.add(generator.nextTransaction(Long.MAX_VALUE).size());
    }

    assertThat(sizes).containsExactlyInAnyOrder(3, 4, 5, 6, 7);
  }

  @Test
  void aTransactionNeverExceedsTheChangeBudget() {
    WorkloadGenerator generator = generator(shape(Mix.defaults(), 20, 20, 0.02), 17);
    operations(generator, 50);
    for (long budget = 1; budget <= 40; budget++) {
      int changes =
          generator.nextTransaction(budget).stream().mapToInt(Operation::rowChanges).sum();
      assertThat(changes).as("budget %d", budget).isBetween(1, (int) budget);
    }
  }

  @Test
  void deletingACustomerDeletesEveryOrderOfTheirs() {
    WorkloadGenerator generator = generator(WorkloadShape.defaults(), 23);
    List<Operation.DeleteCustomer> deletions =
        operations(generator, 10_000).stream()
            .filter(Operation.DeleteCustomer.class::isInstance)
            .map(Operation.DeleteCustomer.class::cast)
            .toList();

    assertThat(deletions).isNotEmpty();
    assertThat(deletions).anyMatch(d -> !d.orderIds().isEmpty());
    // The model refuses to drop a customer whose orders remain, so reaching here with deletions
    // that carry orders shows every order went with its customer.
    assertThat(deletions).allMatch(d -> d.rowChanges() == d.orderIds().size() + 1);
  }
}
