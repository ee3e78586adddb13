/** Outpost proxy module. */
package dev.outpost.proxy;
