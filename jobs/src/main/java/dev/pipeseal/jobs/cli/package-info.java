/**
 * What every {@code pipeseal} command shares on its command line: the KMS and settings options
 * ({@code --kms}, {@code --conf}, {@code --config}, {@code --json}), the registry option, the
 * {@code --metrics-file} option, and the exit codes. Parsing itself is picocli's.
 */
package dev.pipeseal.jobs.cli;
