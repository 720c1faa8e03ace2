package dev.pipeseal.kms.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one JSON line per event to a file and flushes it at once, so a crash loses at most the
 * line being written. Several processes may append to one file: each line is one write.
 */
public final class FileAuditSink implements AuditSink {
  private final Path file;
  private final Writer writer;

  public FileAuditSink(Path file) {
    this.file = file;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.writer =
          Files.newBufferedWriter(
              file,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open audit file " + file, e);
    }
  }

  @Override
  public synchronized void write(AuditEvent event) {
    try {
      writer.write(event.toJson() + "\n");
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write audit file " + file, e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close audit file " + file, e);
    }
  }
}
