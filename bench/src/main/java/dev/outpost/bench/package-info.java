/** Outpost bench module. */
package dev.outpost.bench;
