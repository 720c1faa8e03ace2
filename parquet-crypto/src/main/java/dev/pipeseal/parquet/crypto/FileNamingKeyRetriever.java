package dev.pipeseal.parquet.crypto;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.DecryptionKeyRetriever;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * Adds the file to key errors, and reports every failure to get a key as {@link
 * KeyAccessDeniedException}, which Parquet in turn prefixes with the column. The error then names
 * column, file and master key.
 */
final class FileNamingKeyRetriever implements DecryptionKeyRetriever {
  private final DecryptionKeyRetriever delegate;
  private final Path file;

  FileNamingKeyRetriever(DecryptionKeyRetriever delegate, Path file) {
    this.delegate = delegate;
    this.file = file;
  }

  @Override
  public byte[] getKey(byte[] keyMetadata) {
    try {
      return delegate.getKey(keyMetadata);
    } catch (RuntimeException e) {
      throw new KeyAccessDeniedException("file " + file + ": " + e.getMessage(), e);
    }
  }
}
