/**
 * The audit trail as a decorator: {@link dev.pipeseal.kms.audit.AuditingKms} records who did what
 * with which master key version, in which context, and with what outcome, as one flat JSON line per
 * event ({@link dev.pipeseal.kms.audit.AuditSink}: SLF4J logger {@code pipeseal.audit} or an
 * append-only file). Events never contain key bytes or wrapped bytes.
 */
package dev.pipeseal.kms.audit;
