/**
 * The change feed (DESIGN §8): a logical-replication consumer of the origin that turns every
 * committed transaction into the set of relations it touched, so that writes which bypass Outpost
 * still invalidate cached reads.
 *
 * <p>Pure pgjdbc and SLF4J: no Netty, JGroups or proxy types. The proxy wires it in:
 *
 * <ol>
 *   <li>at start-up, {@link dev.outpost.changefeed.ChangeFeed#check} with the origin's
 *       {@link dev.outpost.changefeed.ConnectionInfo}; refuse to start or warn per
 *       {@code change-feed-when-unsupported};
 *   <li>on the region's coordinator, {@link dev.outpost.changefeed.ChangeFeed#builder} with a
 *       {@link dev.outpost.changefeed.ChangeSink} that publishes each
 *       {@link dev.outpost.changefeed.ChangeEvent} as an invalidation and completes its future once
 *       delivered, then {@code start()}; {@code stop()} when the node stops being coordinator;
 *   <li>{@link dev.outpost.changefeed.ChangeFeed#status()} for {@code SHOW CHANGE FEED} and the lag
 *       metrics; {@link dev.outpost.changefeed.ChangeFeed#dropSlot(ConnectionInfo, String)} for
 *       {@code outpost change-feed drop-slot}.
 * </ol>
 *
 * <p>Inside: {@code ReplicationSession} (one connection's life: set-up, stream, confirm),
 * {@code PgOutputDecoder} and {@code TransactionAssembler} (bytes to committed relation sets),
 * {@code AckTracker} (confirm in commit order, behind delivery), {@code OriginInspector} (what the
 * origin allows), {@code SlotMonitor} (lag from {@code pg_replication_slots}).
 */
package dev.outpost.changefeed;
