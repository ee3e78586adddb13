/**
 * The change feed (DESIGN §8): a logical-replication consumer of the origin that turns every
 * committed transaction into the set of relations it touched, so that writes which bypass Outpost
 * still invalidate cached reads.
 */
package dev.outpost.changefeed;
