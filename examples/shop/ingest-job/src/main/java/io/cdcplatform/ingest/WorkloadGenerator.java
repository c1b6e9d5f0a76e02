package io.cdcplatform.ingest;

import io.cdcplatform.ingest.Operation.ChangeOrderStatus;
import io.cdcplatform.ingest.Operation.CorrectOrderAmount;
import io.cdcplatform.ingest.Operation.DeleteCustomer;
import io.cdcplatform.ingest.Operation.DeleteOrder;
import io.cdcplatform.ingest.Operation.InsertCustomer;
import io.cdcplatform.ingest.Operation.InsertOrder;
import io.cdcplatform.ingest.Operation.InsertProduct;
import io.cdcplatform.ingest.Operation.MoveOrderToProduct;
import io.cdcplatform.ingest.Operation.MoveProductToCategory;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws the workload's operations. Given the same seed, model and clock it draws the same
 * operations, so a run can be replayed and a test can predict it. Each drawn operation is applied
 * to the model at once, so later operations in the same transaction see it.
 */
public final class WorkloadGenerator {

  /** The categories products belong to. */
  public static final List<String> CATEGORIES =
      List.of("books", "electronics", "fashion", "garden", "grocery", "home", "sports", "toys");

  private static final List<String> COUNTRIES =
      List.of("BR", "DE", "ES", "FR", "GB", "IN", "JP", "US");

  private final WorkloadShape shape;
  private final ShopModel model;
  private final Clock clock;
  private final SplittableRandom random;

  public WorkloadGenerator(WorkloadShape shape, long seed, ShopModel model, Clock clock) {
    this.shape = shape;
    this.model = model;
    this.clock = clock;
    this.random = new SplittableRandom(seed);
  }

  /**
   * The operations of the next transaction, at most {@code budget} row changes in all.
   *
   * @param budget the row changes still allowed, at least 1
   */
  public List<Operation> nextTransaction(long budget) {
    if (budget < 1) {
      throw new IllegalArgumentException("budget must be at least 1, got " + budget);
    }
    int size = random.nextInt(shape.minTransactionSize(), shape.maxTransactionSize() + 1);
    List<Operation> operations = new ArrayList<>(size);
    long left = budget;
    for (int i = 0; i < size && left > 0; i++) {
      Operation operation = next(left);
      operations.add(operation);
      left -= operation.rowChanges();
    }
    return operations;
  }

  private Operation next(long budget) {
    Operation operation;
    if (model.productIds().size() < shape.minProducts()) {
      operation = insertProduct();
    } else if (model.customerIds().size() < shape.minCustomers()) {
      operation = insertCustomer();
    } else {
      operation = draw(shape.mix().draw(random.nextDouble()));
      if (operation == null || operation.rowChanges() > budget) {
        operation = insertOrder();
      }
    }
    model.apply(operation);
    return operation;
  }

  // Returns null when the kind cannot apply to the shop as it is (e.g. no open order to move on).
  private Operation draw(OperationKind kind) {
    return switch (kind) {
      case INSERT_ORDER -> insertOrder();
      case INSERT_CUSTOMER -> insertCustomer();
      case INSERT_PRODUCT -> insertProduct();
      case ORDER_STATUS -> changeOrderStatus();
      case ORDER_AMOUNT -> correctOrderAmount();
      case ORDER_PRODUCT -> moveOrderToProduct();
      case PRODUCT_CATEGORY -> moveProductToCategory();
      case DELETE_ORDER ->
          model.orderIds().isEmpty() ? null : new DeleteOrder(pick(model.orderIds()));
      case DELETE_CUSTOMER -> deleteCustomer();
    };
  }

  private InsertCustomer insertCustomer() {
    long id = model.nextCustomerId();
    return new InsertCustomer(
        id,
        "Customer " + id,
        "customer" + id + "@example.com",
        COUNTRIES.get(random.nextInt(COUNTRIES.size())),
        now());
  }

  // PostgreSQL keeps microseconds; rounding here keeps the model equal to what it stores.
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  private InsertProduct insertProduct() {
    long id = model.nextProductId();
    String category = CATEGORIES.get(random.nextInt(CATEGORIES.size()));
    return new InsertProduct(id, "Product " + id, category, random.nextLong(100, 50_001));
  }

  private InsertOrder insertOrder() {
    long productId = pick(model.productIds());
    int quantity = random.nextInt(1, 6);
    Instant now = now();
    boolean late = random.nextDouble() < shape.lateFraction();
    long lagMillis =
        late
            ? random.nextLong(shape.minLateDelay().toMillis(), shape.maxLateDelay().toMillis() + 1)
            : random.nextLong(shape.maxSkew().toMillis() + 1);
    return new InsertOrder(
        model.nextOrderId(),
        pick(model.customerIds()),
        productId,
        quantity,
        quantity * model.product(productId).priceCents(),
        now.minusMillis(lagMillis),
        late);
  }

  private ChangeOrderStatus changeOrderStatus() {
    if (model.openOrderIds().isEmpty()) {
      return null;
    }
    long id = pick(model.openOrderIds());
    OrderStatus from = model.order(id).status();
    return new ChangeOrderStatus(id, from, from.next(random.nextDouble()));
  }

  private CorrectOrderAmount correctOrderAmount() {
    if (model.orderIds().isEmpty()) {
      return null;
    }
    long id = pick(model.orderIds());
    long percent = random.nextLong(80, 111);
    return new CorrectOrderAmount(id, model.order(id).amountCents() * percent / 100);
  }

  private MoveOrderToProduct moveOrderToProduct() {
    if (model.orderIds().isEmpty()) {
      return null;
    }
    long id = pick(model.orderIds());
    ShopModel.Order order = model.order(id);
    long productId;
    do {
      productId = pick(model.productIds());
    } while (productId == order.productId());
    return new MoveOrderToProduct(
        id, productId, order.quantity() * model.product(productId).priceCents());
  }

  private MoveProductToCategory moveProductToCategory() {
    long id = pick(model.productIds());
    String current = model.product(id).category();
    String category;
    do {
      category = CATEGORIES.get(random.nextInt(CATEGORIES.size()));
    } while (category.equals(current));
    return new MoveProductToCategory(id, category);
  }

  private DeleteCustomer deleteCustomer() {
    // Never delete the last customers: new orders need someone to belong to.
    if (model.customerIds().size() <= shape.minCustomers()) {
      return null;
    }
    long id = pick(model.customerIds());
    return new DeleteCustomer(id, model.ordersOf(id));
  }

  private long pick(IndexedIds ids) {
    return ids.pick(random);
  }
}
