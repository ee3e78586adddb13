/**
 * What the cache needs to know from the origin's catalog, looked up over pgjdbc connections pooled
 * by HikariCP (the control plane; the data path never uses JDBC): function volatility, what a
 * relation really is (views expanded to base tables, partitions and inheritance children,
 * temporary or foreign tables), and what a write to a table can touch beyond it (triggers,
 * rules, cascading foreign keys).
 */
package dev.outpost.proxy.catalog;
