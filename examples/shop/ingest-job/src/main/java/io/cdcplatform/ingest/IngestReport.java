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
import java.util.List;

/** What the job has committed so far: row changes per table and action, and transactions. */
public final class IngestReport {

  /** A captured table. */
  public enum Table {
    CUSTOMERS,
    PRODUCTS,
    ORDERS
  }

  /** A kind of row change. */
  public enum Action {
    INSERT,
    UPDATE,
    DELETE
  }

  private final long[][] counts = new long[Table.values().length][Action.values().length];
  private long transactions;
  private long changes;
  private long lateOrders;

  /** Counts the operations of one committed transaction. */
  public synchronized void recordCommitted(List<Operation> transaction) {
    for (Operation operation : transaction) {
      switch (operation) {
        case InsertCustomer op -> add(Table.CUSTOMERS, Action.INSERT, 1);
        case InsertProduct op -> add(Table.PRODUCTS, Action.INSERT, 1);
        case InsertOrder op -> {
          add(Table.ORDERS, Action.INSERT, 1);
          if (op.late()) {
            lateOrders++;
          }
        }
        case ChangeOrderStatus op -> add(Table.ORDERS, Action.UPDATE, 1);
        case CorrectOrderAmount op -> add(Table.ORDERS, Action.UPDATE, 1);
        case MoveOrderToProduct op -> add(Table.ORDERS, Action.UPDATE, 1);
        case MoveProductToCategory op -> add(Table.PRODUCTS, Action.UPDATE, 1);
        case DeleteOrder op -> add(Table.ORDERS, Action.DELETE, 1);
        case DeleteCustomer op -> {
          add(Table.ORDERS, Action.DELETE, op.orderIds().size());
          add(Table.CUSTOMERS, Action.DELETE, 1);
        }
      }
    }
    transactions++;
  }

  private void add(Table table, Action action, long n) {
    counts[table.ordinal()][action.ordinal()] += n;
    changes += n;
  }

  /** Row changes of one table and action. */
  public synchronized long count(Table table, Action action) {
    return counts[table.ordinal()][action.ordinal()];
  }

  /** Row changes in all. */
  public synchronized long changes() {
    return changes;
  }

  /** Committed transactions. */
  public synchronized long transactions() {
    return transactions;
  }

  /** Orders inserted with an event time far behind their commit. */
  public synchronized long lateOrders() {
    return lateOrders;
  }

  /** Per-table totals, e.g. {@code orders +120 ~80 -4, customers +10 ~0 -1, products +20 ~1 -0}. */
  public synchronized String perTable() {
    StringBuilder line = new StringBuilder();
    for (Table table : new Table[] {Table.ORDERS, Table.CUSTOMERS, Table.PRODUCTS}) {
      if (!line.isEmpty()) {
        line.append(", ");
      }
      line.append(table.name().toLowerCase(java.util.Locale.ROOT))
          .append(" +")
          .append(count(table, Action.INSERT))
          .append(" ~")
          .append(count(table, Action.UPDATE))
          .append(" -")
          .append(count(table, Action.DELETE));
    }
    return line.toString();
  }
}
