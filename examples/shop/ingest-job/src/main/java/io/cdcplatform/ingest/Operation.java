package io.cdcplatform.ingest;

import java.time.Instant;
import java.util.List;

/**
 * One logical change the workload makes to the shop. Each is written by one or more SQL statements
 * in the current transaction; {@link #rowChanges()} says how many rows it changes, which is what
 * change data capture sees.
 */
public sealed interface Operation {

  /** The kind this operation was drawn as. */
  OperationKind kind();

  /** The number of row changes (inserts, updates, deletes) this operation commits. */
  default int rowChanges() {
    return 1;
  }

  /** A new customer. */
  record InsertCustomer(long id, String name, String email, String country, Instant createdAt)
      implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.INSERT_CUSTOMER;
    }
  }

  /** A new product. */
  record InsertProduct(long id, String name, String category, long priceCents)
      implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.INSERT_PRODUCT;
    }
  }

  /** A new order, pending; {@code createdAt} is its event time and may lie in the past. */
  record InsertOrder(
      long id,
      long customerId,
      long productId,
      int quantity,
      long amountCents,
      Instant createdAt,
      boolean late)
      implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.INSERT_ORDER;
    }
  }

  /** An order moves from one status to the next. */
  record ChangeOrderStatus(long id, OrderStatus from, OrderStatus to) implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.ORDER_STATUS;
    }
  }

  /** An order's amount is corrected. */
  record CorrectOrderAmount(long id, long amountCents) implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.ORDER_AMOUNT;
    }
  }

  /** An order is switched to another product; its amount follows the new price. */
  record MoveOrderToProduct(long id, long productId, long amountCents) implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.ORDER_PRODUCT;
    }
  }

  /** A product is moved to another category. */
  record MoveProductToCategory(long id, String category) implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.PRODUCT_CATEGORY;
    }
  }

  /** An order is deleted. */
  record DeleteOrder(long id) implements Operation {
    @Override
    public OperationKind kind() {
      return OperationKind.DELETE_ORDER;
    }
  }

  /** A customer is deleted together with every order of theirs, orders first. */
  record DeleteCustomer(long id, List<Long> orderIds) implements Operation {
    public DeleteCustomer {
      orderIds = List.copyOf(orderIds);
    }

    @Override
    public OperationKind kind() {
      return OperationKind.DELETE_CUSTOMER;
    }

    @Override
    public int rowChanges() {
      return 1 + orderIds.size();
    }
  }
}
