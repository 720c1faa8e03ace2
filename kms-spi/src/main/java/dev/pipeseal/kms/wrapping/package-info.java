/**
 * The stored forms of a {@link dev.pipeseal.kms.WrappedKey}: a compact, versioned binary record
 * (embedded inline in envelopes) and an equivalent JSON record (registry files, reports). Both are
 * specified in {@code docs/format.md}.
 */
package dev.pipeseal.kms.wrapping;
