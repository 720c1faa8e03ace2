package dev.pipeseal.parquet.crypto;

import dev.pipeseal.parquet.kms.HadoopBridgeSettings;
import dev.pipeseal.parquet.kms.PipesealKmsClient;
import dev.pipeseal.parquet.policy.ColumnResolver;
import dev.pipeseal.parquet.policy.EncryptionPolicy;
import dev.pipeseal.parquet.policy.PolicyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.DecryptionPropertiesFactory;
import org.apache.parquet.crypto.EncryptionPropertiesFactory;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.FileEncryptionProperties;
import org.apache.parquet.crypto.ParquetCipher;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.crypto.keytools.KmsClient;
import org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory;
import org.apache.parquet.hadoop.api.WriteSupport.WriteContext;

/**
 * Policy-driven Parquet encryption ({@code parquet.crypto.factory.class}). Per file it resolves the
 * {@link EncryptionPolicy} against the file's schema into Parquet's own column-key settings, lets
 * the stock {@link PropertiesDrivenCryptoFactory} generate, (double) wrap and store the keys
 * through {@link PipesealKmsClient}, and adds the table-bound AAD prefix. Files therefore stay
 * readable by the stock factory with our KMS client, and the key material is Parquet's standard
 * format.
 */
public final class PipesealCryptoFactory
    implements EncryptionPropertiesFactory, DecryptionPropertiesFactory {
  private static final String COLUMN_KEYS = PropertiesDrivenCryptoFactory.COLUMN_KEYS_PROPERTY_NAME;
  private static final String FOOTER_KEY = PropertiesDrivenCryptoFactory.FOOTER_KEY_PROPERTY_NAME;
  private static final String UNIFORM_KEY = PropertiesDrivenCryptoFactory.UNIFORM_KEY_PROPERTY_NAME;

  private final PropertiesDrivenCryptoFactory stock = new PropertiesDrivenCryptoFactory();

  @Override
  public FileEncryptionProperties getFileEncryptionProperties(
      Configuration conf, Path tempFilePath, WriteContext writeContext) {
    EncryptionPolicy policy = PolicySource.load(conf);
    if (policy.isEmpty()) {
      return null;
    }
    Map<String, List<String>> columns;
    try {
      columns = ColumnResolver.resolve(policy.rules(), writeContext.getSchema());
    } catch (PolicyException e) {
      throw new PolicyException("file " + tempFilePath + ": " + e.getMessage(), e);
    }
    Configuration derived = keyToolConf(conf);
    derived.unset(UNIFORM_KEY);
    if (columns.isEmpty()) {
      if (!policy.completeColumns()) {
        throw new PolicyException(
            "file "
                + tempFilePath
                + ": the policy selects no column of the schema (set "
                + EncryptionPolicy.COMPLETE_COLUMNS
                + "=true to encrypt every column with the footer key)");
      }
      derived.unset(FOOTER_KEY);
      derived.unset(COLUMN_KEYS);
      derived.set(UNIFORM_KEY, policy.footerKey());
    } else {
      derived.set(FOOTER_KEY, policy.footerKey());
      derived.set(COLUMN_KEYS, columnKeys(columns));
    }
    derived.setBoolean(
        PropertiesDrivenCryptoFactory.COMPLETE_COLUMN_ENCRYPTION_PROPERTY_NAME,
        policy.completeColumns() && !columns.isEmpty());
    derived.setBoolean(
        PropertiesDrivenCryptoFactory.PLAINTEXT_FOOTER_PROPERTY_NAME, policy.plaintextFooter());
    derived.set(
        PropertiesDrivenCryptoFactory.ENCRYPTION_ALGORITHM_PROPERTY_NAME,
        policy.algorithm().name());
    derived.setBoolean(
        KeyToolkit.KEY_MATERIAL_INTERNAL_PROPERTY_NAME, !policy.externalKeyMaterial());
    derived.setInt(KeyToolkit.DATA_KEY_LENGTH_PROPERTY_NAME, policy.dataKeyBits());
    if (conf.get(KeyToolkit.KEK_LENGTH_PROPERTY_NAME) == null) {
      derived.setInt(KeyToolkit.KEK_LENGTH_PROPERTY_NAME, policy.dataKeyBits());
    }
    FileEncryptionProperties keyed =
        stock.getFileEncryptionProperties(derived, tempFilePath, writeContext);
    String table = tableId(policy, tempFilePath);
    if (table == null) {
      return keyed;
    }
    FileEncryptionProperties.Builder b =
        FileEncryptionProperties.builder(keyed.getFooterKey())
            .withFooterKeyMetadata(keyed.getFooterKeyMetadata())
            .withAlgorithm(cipherOf(keyed))
            .withAADPrefix(TableBinding.aadPrefix(table));
    if (!columns.isEmpty()) {
      b.withEncryptedColumns(keyed.getEncryptedColumns());
      if (policy.completeColumns()) {
        b.withCompleteColumnEncryption();
      }
    }
    if (!keyed.encryptedFooter()) {
      b.withPlaintextFooter();
    }
    return b.build();
  }

  @Override
  public FileDecryptionProperties getFileDecryptionProperties(Configuration conf, Path filePath) {
    EncryptionPolicy policy = PolicySource.load(conf);
    FileDecryptionProperties stockProps =
        stock.getFileDecryptionProperties(keyToolConf(conf), filePath);
    FileDecryptionProperties.Builder b =
        FileDecryptionProperties.builder()
            .withKeyRetriever(new FileNamingKeyRetriever(stockProps.getKeyRetriever(), filePath))
            .withPlaintextFilesAllowed();
    String table = tableId(policy, filePath);
    if (table != null && policy.verifyTable()) {
      b.withAADPrefixVerifier(TableBinding.verifier(table, filePath));
    }
    return b.build();
  }

  /**
   * A copy of {@code conf} for Parquet's key tools: our KMS client unless another is named, and,
   * unless the user set an access token, one derived from the bridge settings. Parquet caches KMS
   * clients and KEKs per token; a token per bridge configuration keeps two key sources used in one
   * JVM (say a Hadoop KMS and an HSM) from sharing cached KEKs. The bridge ignores the token.
   */
  static Configuration keyToolConf(Configuration conf) {
    Configuration derived = new Configuration(conf);
    if (conf.get(KeyToolkit.KMS_CLIENT_CLASS_PROPERTY_NAME) == null) {
      derived.set(KeyToolkit.KMS_CLIENT_CLASS_PROPERTY_NAME, PipesealKmsClient.class.getName());
    }
    String token = conf.getTrimmed(KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME);
    if (token == null || token.isEmpty() || token.equals(KmsClient.KEY_ACCESS_TOKEN_DEFAULT)) {
      String url = conf.getTrimmed(KeyToolkit.KMS_INSTANCE_URL_PROPERTY_NAME);
      derived.set(
          KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME,
          "pipeseal-" + fingerprint(HadoopBridgeSettings.bridgeProperties(conf, url).toString()));
    }
    return derived;
  }

  private static String tableId(EncryptionPolicy policy, Path file) {
    return switch (policy.table()) {
      case EncryptionPolicy.TABLE_NONE -> null;
      case EncryptionPolicy.TABLE_AUTO -> TableBinding.tableOf(file);
      default -> policy.table();
    };
  }

  private static String columnKeys(Map<String, List<String>> columns) {
    StringBuilder sb = new StringBuilder();
    columns.forEach(
        (key, cols) -> {
          if (sb.length() > 0) {
            sb.append(';');
          }
          sb.append(key).append(':').append(String.join(",", cols));
        });
    return sb.toString();
  }

  private static ParquetCipher cipherOf(FileEncryptionProperties p) {
    if (p.getAlgorithm().isSetAES_GCM_CTR_V1()) {
      return ParquetCipher.AES_GCM_CTR_V1;
    }
    if (p.getAlgorithm().isSetAES_GCM_V1()) {
      return ParquetCipher.AES_GCM_V1;
    }
    throw new ParquetCryptoRuntimeException("unsupported Parquet algorithm " + p.getAlgorithm());
  }

  private static String fingerprint(String text) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
