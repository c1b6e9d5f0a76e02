package io.cdcplatform.ingest;

import java.util.Locale;

/** The kinds of change the workload draws from, each with its default share of the mix. */
public enum OperationKind {
  INSERT_ORDER(36),
  ORDER_STATUS(30),
  ORDER_AMOUNT(6),
  ORDER_PRODUCT(5),
  PRODUCT_CATEGORY(2),
  DELETE_ORDER(4),
  INSERT_CUSTOMER(12),
  DELETE_CUSTOMER(2),
  INSERT_PRODUCT(3);

  private final int defaultWeight;

  OperationKind(int defaultWeight) {
    this.defaultWeight = defaultWeight;
  }

  /** The weight this kind has when the user does not set one. */
  public int defaultWeight() {
    return defaultWeight;
  }

  /** The name users write in {@code --mix}, e.g. {@code order-status}. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The kind a {@code --mix} name stands for. */
  public static OperationKind fromOptionName(String name) {
    for (OperationKind kind : values()) {
      if (kind.optionName().equals(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown operation '" + name + "'");
  }
}
