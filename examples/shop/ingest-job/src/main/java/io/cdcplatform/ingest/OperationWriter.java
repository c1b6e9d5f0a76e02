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
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.EnumMap;
import java.util.Map;

/**
 * Writes operations to the shop schema with prepared statements on one connection, inside the
 * caller's transaction. Every statement must change exactly one row; anything else means the
 * database and the model disagree, and the transaction must not commit.
 */
final class OperationWriter implements AutoCloseable {

  private enum Sql {
    INSERT_CUSTOMER(
        "INSERT INTO shop.customers (id, name, email, country, created_at) VALUES (?, ?, ?, ?, ?)"),
    INSERT_PRODUCT("INSERT INTO shop.products (id, name, category, price) VALUES (?, ?, ?, ?)"),
    INSERT_ORDER(
        "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
            + " created_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?)"),
    ORDER_STATUS(
        "UPDATE shop.orders SET status = ?, updated_at = now() WHERE id = ? AND status = ?"),
    ORDER_AMOUNT("UPDATE shop.orders SET amount = ?, updated_at = now() WHERE id = ?"),
    ORDER_PRODUCT(
        "UPDATE shop.orders SET product_id = ?, amount = ?, updated_at = now() WHERE id = ?"),
    PRODUCT_CATEGORY("UPDATE shop.products SET category = ?, updated_at = now() WHERE id = ?"),
    DELETE_ORDER("DELETE FROM shop.orders WHERE id = ?"),
    DELETE_CUSTOMER("DELETE FROM shop.customers WHERE id = ?");

    private final String text;

    Sql(String text) {
      this.text = text;
    }
  }

  private final Connection connection;
  private final Map<Sql, PreparedStatement> statements = new EnumMap<>(Sql.class);

  OperationWriter(Connection connection) {
    this.connection = connection;
  }

  void write(Operation operation) throws SQLException {
    switch (operation) {
      case InsertCustomer op ->
          execute(
              Sql.INSERT_CUSTOMER,
              op.id(),
              op.name(),
              op.email(),
              op.country(),
              Timestamp.from(op.createdAt()));
      case InsertProduct op ->
          execute(Sql.INSERT_PRODUCT, op.id(), op.name(), op.category(), money(op.priceCents()));
      case InsertOrder op ->
          execute(
              Sql.INSERT_ORDER,
              op.id(),
              op.customerId(),
              op.productId(),
              op.quantity(),
              money(op.amountCents()),
              Timestamp.from(op.createdAt()));
      case ChangeOrderStatus op ->
          execute(Sql.ORDER_STATUS, op.to().name(), op.id(), op.from().name());
      case CorrectOrderAmount op -> execute(Sql.ORDER_AMOUNT, money(op.amountCents()), op.id());
      case MoveOrderToProduct op ->
          execute(Sql.ORDER_PRODUCT, op.productId(), money(op.amountCents()), op.id());
      case MoveProductToCategory op -> execute(Sql.PRODUCT_CATEGORY, op.category(), op.id());
      case DeleteOrder op -> execute(Sql.DELETE_ORDER, op.id());
      case DeleteCustomer op -> {
        for (long orderId : op.orderIds()) {
          execute(Sql.DELETE_ORDER, orderId);
        }
        execute(Sql.DELETE_CUSTOMER, op.id());
      }
    }
  }

  private void execute(Sql sql, Object... parameters) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql.text);
      statements.put(sql, statement);
    }
    for (int i = 0; i < parameters.length; i++) {
      statement.setObject(i + 1, parameters[i]);
    }
    int rows = statement.executeUpdate();
    if (rows != 1) {
      throw new ModelDivergedException(
          sql.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
              + " changed "
              + rows
              + " rows instead of 1: the shop schema was changed by something other than this"
              + " job");
    }
  }

  private static BigDecimal money(long cents) {
    return BigDecimal.valueOf(cents, 2);
  }

  @Override
  public void close() throws SQLException {
    for (PreparedStatement statement : statements.values()) {
      statement.close();
    }
    statements.clear();
  }

  /** The database no longer matches the generator's model. */
  static final class ModelDivergedException extends SQLException {
    ModelDivergedException(String message) {
      super(message);
    }
  }
}
