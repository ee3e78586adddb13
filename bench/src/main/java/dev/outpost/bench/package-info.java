/**
 * {@code outpost-bench}: measures Outpost side by side with direct Postgres and peers (PgBouncer,
 * pgpool-II, anything Postgres-speaking), through an emulated WAN, and writes a report.
 *
 * <p>Sub-packages: {@code cli} (the command line), {@code lab} (origin, WAN, Outpost nodes and
 * peers as processes), {@code load} (load generation and HdrHistogram recording),
 * {@code scenario} (the presets), {@code report} (report.md, results.csv, charts). The bench talks
 * to Outpost only through Postgres connections and its command line.
 */
package dev.outpost.bench;
