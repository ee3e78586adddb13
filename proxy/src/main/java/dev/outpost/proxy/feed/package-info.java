/**
 * Runs the change feed (DESIGN §8) for a node: one consumer per region, on the region's
 * coordinator (or on a node that runs alone), turning committed origin transactions into cache
 * invalidations.
 */
package dev.outpost.proxy.feed;
