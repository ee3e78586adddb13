/** Outpost wan module. */
package dev.outpost.wan;
