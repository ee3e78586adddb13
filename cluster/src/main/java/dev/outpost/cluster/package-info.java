/** Outpost cluster module. */
package dev.outpost.cluster;
