package dev.pipeseal.spark.task;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.envelope.SubjectEncryptors;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.spark.keys.SparkKeyAccess;
import dev.pipeseal.spark.values.ValueType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Encrypts one column in one task under per-subject keys ({@code pipeseal_encrypt_subject}): each
 * value is sealed under the DEK of the subject named in the same row, so shredding that subject's
 * keys erases the value.
 *
 * <p>Keeps an LRU of open subject writers ({@code spark.pipeseal.subject.open-keys}, sized from the
 * heap by default), so a subject seen again in the task costs a map lookup. Each writer leases its
 * subject from the executor's {@link SubjectEncryptors}, which keeps the unwrapped key, XAES state
 * and idle writer streams (each with its own cipher) open across tasks. So a subject new to the
 * task but open in the executor costs a keyed hash and a map lookup, and takes over the stream an
 * earlier task gave back; only a subject new to the executor costs a registry read and an unwrap. A
 * subject seen for the first time anywhere gets its key created in the registry (one small
 * published file); backfills of many new subjects should create the keys in batches first
 * (docs/spark.md). One per task, not thread-safe.
 */
public final class SubjectEncryptHandle implements AutoCloseable {
  private final EncryptSpec spec;
  private final ValueType type;
  private final DataType valueType;
  private final SubjectHasher hasher;
  private final SubjectEncryptors encryptors;
  private final EncryptHandle.Scratch scratch = new EncryptHandle.Scratch();
  private final LinkedHashMap<UTF8String, EncryptHandle> open;

  private SubjectEncryptHandle(EncryptSpec spec, ValueType type, DataType valueType) {
    this.spec = spec;
    this.type = type;
    this.valueType = valueType;
    SparkKeyAccess access = SparkKeyAccess.of(spec.config());
    if (access.subjects() == null) {
      throw fail(
          spec,
          null,
          "per-subject keys need a key registry (spark.pipeseal.registry.location)",
          null);
    }
    this.hasher = access.subjectHasher();
    this.encryptors = access.subjectEncryptors();
    int maxOpen = access.subjectOpenKeys();
    this.open =
        new LinkedHashMap<>(1024, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<UTF8String, EncryptHandle> eldest) {
            if (size() > maxOpen) {
              eldest.getValue().close();
              return true;
            }
            return false;
          }
        };
  }

  /** Opens the handle of one task; closed with the task. */
  public static SubjectEncryptHandle open(EncryptSpec spec, byte tag, DataType valueType) {
    SubjectEncryptHandle h = new SubjectEncryptHandle(spec, ValueType.ofTag(tag), valueType);
    TaskScope.closeOnCompletion(h);
    return h;
  }

  /**
   * Encrypts field 0 of {@code row} under the key of the subject in field 1; null if the value is
   * null.
   *
   * @throws PipesealValueException if the subject is null or empty, or was erased, or no key can be
   *     had
   */
  public byte[] encrypt(InternalRow row) {
    if (row.isNullAt(0)) {
      return null;
    }
    if (row.isNullAt(1)) {
      throw fail(
          spec, null, "the subject is null; every value needs the subject it is about", null);
    }
    UTF8String subject = row.getUTF8String(1);
    EncryptHandle h = open.get(subject);
    if (h == null) {
      h = openSubject(subject);
      open.put(subject.clone(), h);
    }
    return h.encryptObject(row.get(0, valueType));
  }

  private EncryptHandle openSubject(UTF8String subject) {
    if (subject.numBytes() == 0) {
      throw fail(spec, null, "the subject is empty", null);
    }
    SubjectHash hash = hasher.hash(subject.getBytes());
    try (AuditContext.Scope audit = AuditContext.with("spark:" + spec.context())) {
      SubjectEncryptors.Lease lease =
          encryptors.lease(hash, spec.key().algorithm(), spec.key().masterKey());
      try {
        return EncryptHandle.forLease(spec, type, lease, scratch);
      } catch (RuntimeException e) {
        lease.close();
        throw e;
      }
    } catch (SubjectErasedException e) {
      throw fail(spec, hash, "the subject was erased; nothing is encrypted for it", e);
    } catch (KmsException | RegistryException | PipesealCryptoException e) {
      throw fail(spec, hash, "cannot get the subject's key: " + e.getMessage(), e);
    }
  }

  private static PipesealValueException fail(
      EncryptSpec spec, SubjectHash subject, String what, Throwable cause) {
    return new PipesealValueException(
        spec.function(),
        spec.column(),
        spec.context(),
        spec.key().masterKey(),
        (subject == null ? "" : "subject " + subject.hex() + ": ") + what,
        cause);
  }

  @Override
  public void close() {
    open.values().forEach(EncryptHandle::close);
    open.clear();
    scratch.clear();
  }
}
