package io.cdcplatform.ingest;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A set of ids that supports constant-time add, remove and uniform random choice. Removal moves the
 * last id into the hole, so the order of ids, and therefore every random choice, depends only on
 * the sequence of adds and removes.
 */
final class IndexedIds {

  private long[] ids = new long[64];
  private int size;
  private final Map<Long, Integer> positions = new HashMap<>();

  void add(long id) {
    if (positions.putIfAbsent(id, size) != null) {
      throw new IllegalStateException("id " + id + " is already present");
    }
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = id;
  }

  void remove(long id) {
    Integer position = positions.remove(id);
    if (position == null) {
      throw new IllegalStateException("id " + id + " is not present");
    }
    long last = ids[--size];
    if (position != size) {
      ids[position] = last;
      positions.put(last, position);
    }
  }

  boolean contains(long id) {
    return positions.containsKey(id);
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  long pick(RandomGenerator random) {
    return ids[random.nextInt(size)];
  }
}
