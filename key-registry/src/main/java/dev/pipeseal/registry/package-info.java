/**
 * Key registry: a durable map from short random key ids to wrapped keys, so reference-mode
 * ciphertexts (a Spark cell) carry 8 bytes instead of a whole wrapped key, and rotation can rewrap
 * every stored key in one place.
 *
 * <p>Every record generation is one immutable file, published with create-if-absent semantics;
 * readers take the highest generation, so a rewrap never destroys the previous record before the
 * new one is durable. {@link dev.pipeseal.registry.KeyRegistries} opens a registry on a local
 * directory (plain {@code java.nio}) or, for other URI schemes, on a Hadoop {@code FileSystem}; the
 * Hadoop classes are loaded only in the latter case. Stores kept in other modules (the compacted
 * Kafka topic of {@code pipeseal-key-registry-kafka}) plug in through {@link
 * dev.pipeseal.registry.RegistryStoreProvider} by URI scheme and name their entries by the same
 * paths ({@link dev.pipeseal.registry.RegistryPaths}). The layout is documented in {@code
 * docs/format.md}, section "Key registry".
 */
package dev.pipeseal.registry;
