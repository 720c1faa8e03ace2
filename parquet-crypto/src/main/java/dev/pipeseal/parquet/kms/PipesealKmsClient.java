package dev.pipeseal.parquet.kms;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.util.concurrent.CompletionStage;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * Parquet {@link KmsClient} on the KMS bridge, so the stock {@code PropertiesDrivenCryptoFactory}
 * works with the Hadoop KMS, a PKCS#11 HSM and the local key store:
 *
 * <pre>
 * parquet.encryption.kms.client.class=dev.pipeseal.parquet.kms.PipesealKmsClient
 * pipeseal.kms.uri=kms://http@kms-host:9600/kms      (or parquet.encryption.kms.instance.url)
 * </pre>
 *
 * Parquet hands {@link #wrapKey} key bytes it generated, while the bridge (like the Hadoop KMS)
 * only generates and wraps random keys. So each wrap draws a fresh DEK pair from the bridge (a
 * local operation while the bridge's KEK layer is on), encrypts Parquet's key under the DEK and
 * returns both as a {@link WrappedKeyString}; the string records the master key version for
 * rotation. {@link #unwrapKey} unwraps the DEK through the bridge (cached there) and decrypts.
 *
 * <p>The access token is not used: the bridge authenticates with its own configuration.
 */
public final class PipesealKmsClient implements KmsClient {
  private Kms kms;

  @Override
  public void initialize(
      Configuration configuration,
      String kmsInstanceId,
      String kmsInstanceUrl,
      String accessToken) {
    try {
      // Parquet makes clients per token, instance and task and never closes them: they use the
      // JVM's pinned bridge, which keeps its DEK and KEK caches for the life of the executor.
      this.kms =
          SharedKmsBridges.pinned(
                  HadoopBridgeSettings.bridgeProperties(configuration, kmsInstanceUrl))
              .bridge();
    } catch (KmsException e) {
      throw new ParquetCryptoRuntimeException(
          "cannot open the Pipeseal KMS bridge (pipeseal.kms.*): " + e.getMessage(), e);
    }
  }

  @Override
  public String wrapKey(byte[] keyBytes, String masterKeyIdentifier) {
    Kms k = kms();
    try (DataKeyPair pair = await(k.generateDataKey(masterKeyIdentifier), masterKeyIdentifier)) {
      return WrappedKeyString.seal(pair.wrapped(), pair.plaintext(), keyBytes, masterKeyIdentifier)
          .encode();
    }
  }

  @Override
  public byte[] unwrapKey(String wrappedKey, String masterKeyIdentifier) {
    Kms k = kms();
    WrappedKeyString parsed = WrappedKeyString.decode(wrappedKey, masterKeyIdentifier);
    if (!parsed.wrapped().masterKeyName().equals(masterKeyIdentifier)) {
      // Key material names one master key, the wrapped record another: never guess.
      throw new ParquetKeyException(
          masterKeyIdentifier,
          "wrapped key was made under master key '" + parsed.wrapped().masterKeyName() + "'");
    }
    try (DataKey dek = await(k.unwrap(parsed.wrapped()), masterKeyIdentifier)) {
      return parsed.open(dek, masterKeyIdentifier);
    }
  }

  private Kms kms() {
    if (kms == null) {
      throw new ParquetCryptoRuntimeException("PipesealKmsClient used before initialize");
    }
    return kms;
  }

  private static <T> T await(CompletionStage<T> stage, String masterKey) {
    try {
      return KmsCalls.await(stage);
    } catch (UnknownKeyException | AccessDeniedException e) {
      throw new ParquetKeyException(masterKey, e.getMessage(), e);
    } catch (KmsException e) {
      throw new ParquetKeyException(masterKey, "KMS bridge failed: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ParquetKeyException(masterKey, "KMS bridge failed: " + e, e);
    }
  }
}
