package dev.pipeseal.kms.registry;

import dev.pipeseal.kms.WrappedKey;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Durable store of wrapped keys by short id. Safe for many concurrent writers, in one process or
 * many, on the same location. Operations throw {@link RegistryException} subtypes that name the
 * location and key id.
 */
public interface KeyRegistry extends AutoCloseable {
  /** Stores {@code wrapped} as generation 1 under a fresh random id, retrying on collision. */
  KeyId register(WrappedKey wrapped);

  /**
   * The current (highest) generation of {@code id}, or empty if unknown. May be served from an
   * in-memory cache, so it can trail a rewrap made by another process; an older generation still
   * unwraps while its master key version exists.
   *
   * @throws CorruptRecordException if the current generation cannot be parsed
   */
  Optional<RegistryRecord> get(KeyId id);

  /** As {@link #get} but always reads the store. */
  Optional<RegistryRecord> read(KeyId id);

  /** Every id in the registry (a listing, not a snapshot). */
  Stream<KeyId> ids();

  /** Current record of every id; read lazily, so a corrupt record fails the stream there. */
  default Stream<RegistryRecord> list() {
    return ids().map(this::read).flatMap(Optional::stream);
  }

  /**
   * Current records wrapped under {@code masterKeyName}, and under {@code masterKeyVersion} unless
   * it is null. A scan: the registry keeps no secondary index.
   */
  default Stream<RegistryRecord> list(String masterKeyName, String masterKeyVersion) {
    Objects.requireNonNull(masterKeyName, "masterKeyName");
    return list()
        .filter(r -> r.wrapped().masterKeyName().equals(masterKeyName))
        .filter(
            r ->
                masterKeyVersion == null
                    || r.wrapped().masterKeyVersion().equals(masterKeyVersion));
  }

  /**
   * Publishes generation {@code expected.generation() + 1} of the same id holding {@code
   * replacement}. The previous generation stays on disk (until {@link #compact}), so a crash at any
   * point leaves a readable record.
   *
   * @throws RegistryConflictException if the record is no longer at {@code expected}'s generation
   */
  RegistryRecord replace(RegistryRecord expected, WrappedKey replacement);

  /**
   * Reads the current record of {@code id}, applies {@code rewrap} and publishes the result with
   * {@link #replace}. Returns the record unchanged if {@code rewrap} returns an equal key.
   *
   * @throws RegistryException if the id is unknown
   */
  default RegistryRecord rewrap(KeyId id, UnaryOperator<WrappedKey> rewrap) {
    RegistryRecord current =
        read(id).orElseThrow(() -> new RegistryException(toString(), id, "unknown key id", null));
    WrappedKey next = rewrap.apply(current.wrapped());
    return next.equals(current.wrapped()) ? current : replace(current, next);
  }

  /**
   * Removes superseded generations (only once the current one has been read back intact) and
   * temporary files of writers that died more than an hour ago. Returns the number of files
   * removed.
   *
   * @throws CorruptRecordException after compacting everything else, if some current generation is
   *     corrupt (the older generations of those records are kept)
   */
  int compact();

  /**
   * The id a named alias points at, or empty if the alias does not exist. Aliases are immutable
   * once published (e.g. {@code deterministic/<masterKey>} names the stable key of deterministic
   * columns).
   *
   * @throws CorruptRecordException if the alias file does not hold an id
   */
  Optional<KeyId> alias(String name);

  /**
   * Publishes {@code name -> id} unless the alias exists, atomically (first writer wins across
   * processes). Returns the id the alias points at afterwards: {@code id}, or the winner's.
   */
  KeyId aliasIfAbsent(String name, KeyId id);

  @Override
  void close();
}
