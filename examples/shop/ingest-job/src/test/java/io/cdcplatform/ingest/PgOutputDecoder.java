package io.cdcplatform.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the messages of PostgreSQL's pgoutput plugin (protocol version 1) far enough to see which
 * rows changed and their before and after images, as text.
 */
final class PgOutputDecoder {

  /** One row change; {@code before} is empty for inserts, {@code after} for deletes. */
  record Change(char op, String table, Map<String, String> before, Map<String, String> after) {}

  /** A column value PostgreSQL did not send because it is an unchanged TOASTed value. */
  static final String UNCHANGED_TOAST = "<unchanged-toast>";

  private record Relation(String table, List<String> columns) {}

  private final Map<Integer, Relation> relations = new HashMap<>();

  /** The change a message carries, or null for messages that carry none (begin, commit...). */
  Change decode(ByteBuffer buffer) {
    char type = (char) buffer.get();
    switch (type) {
      case 'R' -> {
        int id = buffer.getInt();
        String namespace = string(buffer);
        String name = string(buffer);
        buffer.get(); // replica identity setting
        int count = buffer.getShort();
        List<String> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          buffer.get(); // flags
          columns.add(string(buffer));
          buffer.getInt(); // type oid
          buffer.getInt(); // type modifier
        }
        relations.put(id, new Relation(namespace + "." + name, columns));
        return null;
      }
      case 'I' -> {
        Relation relation = relations.get(buffer.getInt());
        expect(buffer.get(), 'N');
        return new Change('c', relation.table(), Map.of(), tuple(buffer, relation));
      }
      case 'U' -> {
        Relation relation = relations.get(buffer.getInt());
        Map<String, String> before = Map.of();
        byte marker = buffer.get();
        if (marker == 'O' || marker == 'K') {
          before = tuple(buffer, relation);
          marker = buffer.get();
        }
        expect(marker, 'N');
        return new Change('u', relation.table(), before, tuple(buffer, relation));
      }
      case 'D' -> {
        Relation relation = relations.get(buffer.getInt());
        buffer.get(); // 'O' (full old row) or 'K' (key only)
        return new Change('d', relation.table(), tuple(buffer, relation), Map.of());
      }
      default -> {
        return null;
      }
    }
  }

  private static Map<String, String> tuple(ByteBuffer buffer, Relation relation) {
    int count = buffer.getShort();
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      char kind = (char) buffer.get();
      String value =
          switch (kind) {
            case 'n' -> null;
            case 'u' -> UNCHANGED_TOAST;
            case 't', 'b' -> {
              byte[] bytes = new byte[buffer.getInt()];
              buffer.get(bytes);
              yield new String(bytes, StandardCharsets.UTF_8);
            }
            default -> throw new IllegalStateException("unknown tuple column kind " + kind);
          };
      values.put(relation.columns().get(i), value);
    }
    return values;
  }

  private static String string(ByteBuffer buffer) {
    int start = buffer.position();
    while (buffer.get() != 0) {
      // scan to the terminating zero byte
    }
    byte[] bytes = new byte[buffer.position() - start - 1];
    buffer.get(start, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void expect(byte actual, char expected) {
    if (actual != expected) {
      throw new IllegalStateException("expected '" + expected + "', got '" + (char) actual + "'");
    }
  }
}
