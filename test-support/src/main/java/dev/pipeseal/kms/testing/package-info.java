/**
 * Test fixtures other modules reuse through kms-bridge's test-jar: {@link
 * dev.pipeseal.kms.testing.HadoopKmsServer} starts a real Hadoop KMS in a child JVM (its Hadoop 3.4
 * jars never join the test classpath), over HTTP or HTTPS, with per-key ACLs and key management.
 */
package dev.pipeseal.kms.testing;
