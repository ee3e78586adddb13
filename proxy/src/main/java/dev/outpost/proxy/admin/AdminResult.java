package dev.outpost.proxy.admin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The answer to one admin command: text columns and rows (possibly none) and the command tag.
 *
 * @param tag the CommandComplete tag (e.g. {@code SHOW}, {@code RELOAD}); for rows, the row
 *     count is appended when sent
 * @param columns column names, empty for commands without rows
 * @param rows rows of text values (null for SQL NULL)
 */
public record AdminResult(String tag, List<String> columns, List<List<String>> rows) {
  public AdminResult {
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
  }

  /** A command that returns no rows. */
  public static AdminResult command(String tag) {
    return new AdminResult(tag, List.of(), List.of());
  }

  public static Builder builder(String tag, String... columns) {
    return new Builder(tag, Arrays.asList(columns));
  }

  public boolean hasRows() {
    return !columns.isEmpty();
  }

  /** Collects rows; values are rendered with {@link String#valueOf}, null stays NULL. */
  public static final class Builder {
    private final String tag;
    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    private Builder(String tag, List<String> columns) {
      this.tag = tag;
      this.columns = columns;
    }

    public Builder row(Object... values) {
      if (values.length != columns.size()) {
        throw new IllegalArgumentException("expected " + columns.size() + " values, got " + values.length);
      }
      List<String> row = new ArrayList<>(values.length);
      for (Object v : values) {
        row.add(v == null ? null : String.valueOf(v));
      }
      rows.add(row);
      return this;
    }

    public AdminResult build() {
      return new AdminResult(tag, columns, rows);
    }
  }
}
