/**
 * Key registry: a durable map from short random key ids to wrapped keys, so reference-mode
 * ciphertexts (a Spark cell) carry 8 bytes instead of a whole wrapped key, and rotation can rewrap
 * every stored key in one place.
 *
 * <p>Every record generation is one immutable file, published with create-if-absent semantics;
 * readers take the highest generation, so a rewrap never destroys the previous record before the
 * new one is durable. {@link dev.pipeseal.registry.KeyRegistries} opens a registry on a local
 * directory (plain {@code java.nio}) or, for other URI schemes, on a Hadoop {@code FileSystem}; the
 * Hadoop classes are loaded only in the latter case. The layout is documented in {@code
 * docs/format.md}, section "Key registry".
 */
package dev.pipeseal.kms.registry;
