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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The generator's picture of the shop: every live customer, product and order with the fields the
 * workload's decisions depend on. Applying each committed operation keeps it equal to the database,
 * which is what lets the generator choose valid changes without reading back.
 */
public final class ShopModel {

  /** A product as the model sees it. */
  public record Product(String category, long priceCents) {}

  /** An order as the model sees it. */
  public record Order(
      long customerId,
      long productId,
      int quantity,
      long amountCents,
      OrderStatus status,
      Instant createdAt) {}

  private final IndexedIds customerIds = new IndexedIds();
  private final Map<Long, Set<Long>> ordersByCustomer = new HashMap<>();
  private final IndexedIds productIds = new IndexedIds();
  private final Map<Long, Product> products = new HashMap<>();
  private final IndexedIds orderIds = new IndexedIds();
  private final IndexedIds openOrderIds = new IndexedIds();
  private final Map<Long, Order> orders = new HashMap<>();
  private long nextCustomerId = 1;
  private long nextProductId = 1;
  private long nextOrderId = 1;

  /** Reads the live rows of the shop schema, in id order so that later choices are repeatable. */
  public static ShopModel load(Connection connection) throws SQLException {
    ShopModel model = new ShopModel();
    try (Statement statement = connection.createStatement()) {
      try (ResultSet rs = statement.executeQuery("SELECT id FROM shop.customers ORDER BY id")) {
        while (rs.next()) {
          model.addCustomer(rs.getLong(1));
        }
      }
      try (ResultSet rs =
          statement.executeQuery("SELECT id, category, price FROM shop.products ORDER BY id")) {
        while (rs.next()) {
          model.addProduct(rs.getLong(1), new Product(rs.getString(2), cents(rs.getBigDecimal(3))));
        }
      }
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT id, customer_id, product_id, quantity, amount, status, created_at"
                  + " FROM shop.orders ORDER BY id")) {
        while (rs.next()) {
          model.addOrder(
              rs.getLong(1),
              new Order(
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getInt(4),
                  cents(rs.getBigDecimal(5)),
                  OrderStatus.valueOf(rs.getString(6)),
                  rs.getTimestamp(7).toInstant()));
        }
      }
    }
    return model;
  }

  private static long cents(BigDecimal amount) {
    return amount.movePointRight(2).longValueExact();
  }

  /** Applies one operation that was (or is about to be) written to the database. */
  public void apply(Operation operation) {
    switch (operation) {
      case InsertCustomer op -> addCustomer(op.id());
      case InsertProduct op -> addProduct(op.id(), new Product(op.category(), op.priceCents()));
      case InsertOrder op ->
          addOrder(
              op.id(),
              new Order(
                  op.customerId(),
                  op.productId(),
                  op.quantity(),
                  op.amountCents(),
                  OrderStatus.PENDING,
                  op.createdAt()));
      case ChangeOrderStatus op -> {
        Order order = order(op.id());
        orders.put(
            op.id(),
            new Order(
                order.customerId(),
                order.productId(),
                order.quantity(),
                order.amountCents(),
                op.to(),
                order.createdAt()));
        if (!op.to().isOpen()) {
          openOrderIds.remove(op.id());
        }
      }
      case CorrectOrderAmount op -> {
        Order order = order(op.id());
        orders.put(
            op.id(),
            new Order(
                order.customerId(),
                order.productId(),
                order.quantity(),
                op.amountCents(),
                order.status(),
                order.createdAt()));
      }
      case MoveOrderToProduct op -> {
        Order order = order(op.id());
        orders.put(
            op.id(),
            new Order(
                order.customerId(),
                op.productId(),
                order.quantity(),
                op.amountCents(),
                order.status(),
                order.createdAt()));
      }
      case MoveProductToCategory op ->
          products.put(op.id(), new Product(op.category(), product(op.id()).priceCents()));
      case DeleteOrder op -> removeOrder(op.id());
      case DeleteCustomer op -> {
        for (long orderId : op.orderIds()) {
          removeOrder(orderId);
        }
        customerIds.remove(op.id());
        Set<Long> remaining = ordersByCustomer.remove(op.id());
        if (!remaining.isEmpty()) {
          throw new IllegalStateException(
              "customer " + op.id() + " was deleted while orders " + remaining + " remain");
        }
      }
    }
  }

  private void addCustomer(long id) {
    customerIds.add(id);
    ordersByCustomer.put(id, new LinkedHashSet<>());
    nextCustomerId = Math.max(nextCustomerId, id + 1);
  }

  private void addProduct(long id, Product product) {
    productIds.add(id);
    products.put(id, product);
    nextProductId = Math.max(nextProductId, id + 1);
  }

  private void addOrder(long id, Order order) {
    orderIds.add(id);
    if (order.status().isOpen()) {
      openOrderIds.add(id);
    }
    orders.put(id, order);
    ordersByCustomer.get(order.customerId()).add(id);
    nextOrderId = Math.max(nextOrderId, id + 1);
  }

  private void removeOrder(long id) {
    Order order = orders.remove(id);
    orderIds.remove(id);
    if (order.status().isOpen()) {
      openOrderIds.remove(id);
    }
    ordersByCustomer.get(order.customerId()).remove(id);
  }

  IndexedIds customerIds() {
    return customerIds;
  }

  IndexedIds productIds() {
    return productIds;
  }

  IndexedIds orderIds() {
    return orderIds;
  }

  IndexedIds openOrderIds() {
    return openOrderIds;
  }

  List<Long> ordersOf(long customerId) {
    return new ArrayList<>(ordersByCustomer.get(customerId));
  }

  long nextCustomerId() {
    return nextCustomerId;
  }

  long nextProductId() {
    return nextProductId;
  }

  long nextOrderId() {
    return nextOrderId;
  }

  /** The live product with this id. */
  public Product product(long id) {
    Product product = products.get(id);
    if (product == null) {
      throw new IllegalStateException("product " + id + " is not in the model");
    }
    return product;
  }

  /** The live order with this id. */
  public Order order(long id) {
    Order order = orders.get(id);
    if (order == null) {
      throw new IllegalStateException("order " + id + " is not in the model");
    }
    return order;
  }

  /** Every live order by id. */
  public Map<Long, Order> orders() {
    return Collections.unmodifiableMap(orders);
  }

  /** Every live product by id. */
  public Map<Long, Product> products() {
    return Collections.unmodifiableMap(products);
  }

  /** The number of live customers. */
  public int customerCount() {
    return customerIds.size();
  }
}
