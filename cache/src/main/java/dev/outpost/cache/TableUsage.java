package dev.outpost.cache;

/**
 * How many cached entries depend on one table, for the admin console's {@code SHOW CACHE}.
 *
 * @param database the database
 * @param table the bare table name
 * @param entries entries currently indexed under it (approximate)
 */
public record TableUsage(String database, String table, long entries) {}
