/** Outpost cache module. */
package dev.outpost.cache;
