package io.cdcplatform.flink;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A row's or a group's key as the text Flink partitions by: each value length-prefixed and NULL
 * marked apart, so that no two keys read alike (not {@code ("a|b", "c")} and {@code ("a", "b|c")},
 * not NULL and the text {@code "null"}). Cheap enough for every record.
 */
final class KeyText {

  private KeyText() {}

  /** The key of the values at these positions. */
  static String of(List<Integer> positions, IntFunction<Object> values) {
    StringBuilder text = new StringBuilder();
    for (int position : positions) {
      Object value = values.apply(position);
      if (value == null) {
        text.append("~|");
        continue;
      }
      String part = value instanceof byte[] ? Arrays.toString((byte[]) value) : value.toString();
      text.append(part.length()).append(':').append(part).append('|');
    }
    return text.toString();
  }
}
