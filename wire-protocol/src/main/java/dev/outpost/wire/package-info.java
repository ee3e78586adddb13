/** Outpost wire module. */
package dev.outpost.wire;
