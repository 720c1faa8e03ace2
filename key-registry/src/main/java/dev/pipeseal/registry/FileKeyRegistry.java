package dev.pipeseal.registry;

import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryConflictException;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.RegistryRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** {@link KeyRegistry} over one {@link RegistryStore}: one immutable file per generation. */
final class FileKeyRegistry implements KeyRegistry {
  private static final int MAX_ID_ATTEMPTS = 16;
  private static final int MAX_READ_ATTEMPTS = 8;
  private static final Duration STALE_TEMPORARY_AGE = Duration.ofHours(1);

  private final RegistryStore store;
  private final Supplier<KeyId> ids;
  private final RecordCache<KeyId, RegistryRecord> cache;

  FileKeyRegistry(RegistryStore store, int cacheSize) {
    this(store, cacheSize, KeyId::random);
  }

  FileKeyRegistry(RegistryStore store, int cacheSize, Supplier<KeyId> ids) {
    this.store = Objects.requireNonNull(store, "store");
    this.ids = Objects.requireNonNull(ids, "ids");
    this.cache = new RecordCache<>(cacheSize, 0, System::nanoTime);
  }

  @Override
  public KeyId register(WrappedKey wrapped) {
    Objects.requireNonNull(wrapped, "wrapped");
    for (int attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      KeyId id = ids.get();
      Instant now = Instant.now();
      RegistryRecord record = new RegistryRecord(id, 1, now, now, wrapped);
      try {
        if (!store.createIfAbsent(id, 1, RecordCodec.encode(record))) {
          continue;
        }
        // An id whose generation 1 was compacted away still has later generations; ours is then
        // invisible (readers take the highest) and must go.
        if (store.generations(id).size() != 1) {
          store.delete(id, 1);
          continue;
        }
      } catch (IOException e) {
        throw new RegistryException(store.location(), id, "cannot write record", e);
      }
      remember(record);
      return id;
    }
    throw new RegistryException(
        store.location(),
        null,
        "no free key id after " + MAX_ID_ATTEMPTS + " attempts; is the id source random?",
        null);
  }

  @Override
  public Optional<RegistryRecord> get(KeyId id) {
    RegistryRecord cached = cache.get(id);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<RegistryRecord> record = read(id);
    record.ifPresent(this::remember);
    return record;
  }

  @Override
  public Optional<RegistryRecord> read(KeyId id) {
    Objects.requireNonNull(id, "id");
    try {
      for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
        List<Long> generations = store.generations(id);
        if (generations.isEmpty()) {
          return Optional.empty();
        }
        long current = generations.get(generations.size() - 1);
        Optional<byte[]> content = store.read(id, current);
        if (content.isPresent()) {
          return Optional.of(RecordCodec.decode(store.location(), id, current, content.get()));
        }
        // Superseded and compacted between listing and reading: list again.
      }
    } catch (IOException e) {
      throw new RegistryException(store.location(), id, "cannot read record", e);
    }
    throw new RegistryException(
        store.location(), id, "record keeps changing under concurrent compaction", null);
  }

  @Override
  public Stream<KeyId> ids() {
    try {
      return store.ids();
    } catch (IOException e) {
      throw new RegistryException(store.location(), null, "cannot list key ids", e);
    }
  }

  @Override
  public RegistryRecord replace(RegistryRecord expected, WrappedKey replacement) {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(replacement, "replacement");
    KeyId id = expected.id();
    long next = expected.generation() + 1;
    RegistryRecord record =
        new RegistryRecord(id, next, expected.created(), Instant.now(), replacement);
    try {
      List<Long> generations = store.generations(id);
      if (generations.isEmpty()
          || generations.get(generations.size() - 1) != expected.generation()) {
        throw new RegistryConflictException(
            store.location(),
            id,
            "expected current generation "
                + expected.generation()
                + ", found "
                + (generations.isEmpty() ? "none" : generations.get(generations.size() - 1)));
      }
      if (!store.createIfAbsent(id, next, RecordCodec.encode(record))) {
        throw new RegistryConflictException(
            store.location(), id, "generation " + next + " was written by another writer");
      }
    } catch (IOException e) {
      throw new RegistryException(
          store.location(), id, "cannot write record generation " + next, e);
    }
    remember(record);
    return record;
  }

  @Override
  public int compact() {
    int removed = 0;
    CorruptRecordException firstCorrupt = null;
    int corrupt = 0;
    try {
      Iterator<KeyId> it = store.ids().iterator();
      while (it.hasNext()) {
        KeyId id = it.next();
        List<Long> generations = store.generations(id);
        if (generations.size() < 2) {
          continue;
        }
        long current = generations.get(generations.size() - 1);
        Optional<byte[]> content = store.read(id, current);
        if (content.isEmpty()) {
          continue; // a concurrent compaction got here first
        }
        try {
          RecordCodec.decode(store.location(), id, current, content.get());
        } catch (CorruptRecordException e) {
          // Keep the older generations: they may be all that is left of this key.
          corrupt++;
          firstCorrupt = firstCorrupt == null ? e : firstCorrupt;
          continue;
        }
        for (long g : generations.subList(0, generations.size() - 1)) {
          store.delete(id, g);
          removed++;
        }
      }
      removed += store.removeStaleTemporaries(STALE_TEMPORARY_AGE);
    } catch (IOException e) {
      throw new RegistryException(store.location(), null, "compaction failed", e);
    }
    if (firstCorrupt != null) {
      throw new CorruptRecordException(
          store.location(),
          firstCorrupt.id(),
          -1,
          "compaction removed "
              + removed
              + " file(s) but skipped "
              + corrupt
              + " record(s) whose current generation is corrupt; first: "
              + firstCorrupt.getMessage(),
          firstCorrupt);
    }
    return removed;
  }

  @Override
  public Optional<KeyId> alias(String name) {
    try {
      Optional<byte[]> content = store.readAlias(name);
      return content.map(bytes -> parseAlias(name, bytes));
    } catch (IllegalArgumentException e) {
      throw new RegistryException(store.location(), null, e.getMessage(), e);
    } catch (IOException e) {
      throw new RegistryException(store.location(), null, "cannot read alias " + name, e);
    }
  }

  @Override
  public KeyId aliasIfAbsent(String name, KeyId id) {
    Objects.requireNonNull(id, "id");
    try {
      if (store.createAliasIfAbsent(name, (id.hex() + "\n").getBytes(StandardCharsets.US_ASCII))) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      throw new RegistryException(store.location(), id, e.getMessage(), e);
    } catch (IOException e) {
      throw new RegistryException(store.location(), id, "cannot publish alias " + name, e);
    }
    return alias(name)
        .orElseThrow(
            () ->
                new RegistryException(
                    store.location(), id, "alias " + name + " vanished after a lost race", null));
  }

  private KeyId parseAlias(String name, byte[] bytes) {
    String text = new String(bytes, StandardCharsets.US_ASCII).trim();
    try {
      return KeyId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CorruptRecordException(
          store.location(), null, -1, "alias " + name + " does not hold a key id", e);
    }
  }

  private void remember(RegistryRecord record) {
    // Never replace a newer generation by an older one read concurrently.
    cache.putUnless(record.id(), record, (old, fresh) -> old.generation() > fresh.generation());
  }

  @Override
  public void close() {
    try {
      store.close();
    } catch (IOException e) {
      throw new RegistryException(store.location(), null, "cannot close", e);
    }
  }

  @Override
  public String toString() {
    return "KeyRegistry[" + store.location() + "]";
  }
}
