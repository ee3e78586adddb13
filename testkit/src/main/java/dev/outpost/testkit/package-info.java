/**
 * Test fixtures shared by the modules' integration tests: a real Postgres origin (embedded, or
 * named by {@code OUTPOST_TEST_ORIGIN_URL}) prepared with the roles and settings the tests need.
 */
package dev.outpost.testkit;
