/**
 * Test fixtures other modules reuse through kms-bridge's test-jar: {@link
 * dev.pipeseal.kms.testing.HadoopKmsServer} starts a real Hadoop KMS in a child JVM (its Hadoop 3.4
 * jars never join the test classpath), over HTTP or HTTPS, with per-key ACLs and key management;
 * {@link dev.pipeseal.kms.testing.HttpStub} is the loopback HTTP server on which the REST
 * providers' contract tests play Vault, Google Cloud KMS and Azure Key Vault; {@link
 * dev.pipeseal.kms.testing.MotoServer} starts the moto AWS emulator on a loopback port.
 */
package dev.pipeseal.kms.testing;
