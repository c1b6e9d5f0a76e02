package io.cdcplatform.ingest;

/** The life of an order: the fixed set of statuses the schema allows and the moves between them. */
public enum OrderStatus {
  PENDING,
  PAID,
  SHIPPED,
  DELIVERED,
  CANCELLED;

  /** Whether an order in this status can still move on. */
  public boolean isOpen() {
    return this == PENDING || this == PAID || this == SHIPPED;
  }

  /**
   * The status an open order moves to, given a uniform draw in [0, 1): most pending orders are
   * paid, some are cancelled; most paid orders ship, a few are cancelled (refunded); shipped orders
   * are delivered.
   */
  public OrderStatus next(double draw) {
    return switch (this) {
      case PENDING -> draw < 0.75 ? PAID : CANCELLED;
      case PAID -> draw < 0.9 ? SHIPPED : CANCELLED;
      case SHIPPED -> DELIVERED;
      case DELIVERED, CANCELLED ->
          throw new IllegalStateException("a " + this + " order does not change status");
    };
  }
}
