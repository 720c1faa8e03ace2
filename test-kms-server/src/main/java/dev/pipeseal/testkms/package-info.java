/**
 * A Hadoop KMS server for tests, run in its own JVM so its Hadoop 3.4 jars never meet the shaded
 * Hadoop 3.5 client that Spark ships. The launcher ({@code HadoopKmsServer} in kms-bridge's
 * test-jar) writes the configuration directory and starts {@link
 * dev.pipeseal.testkms.KmsServerMain} with the classpath recorded in {@code server-classpath.txt}.
 */
package dev.pipeseal.testkms;
