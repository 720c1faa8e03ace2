/**
 * The shipped artifacts used as users use them: the Spark runtime jar through SparkSubmit with
 * {@code --jars} and {@code --packages}, the jobs application jar through SparkSubmit, and the CLI
 * tarball unpacked into an empty directory. Nothing of Pipeseal is on these tests' class path;
 * every check runs in a child JVM.
 */
package dev.pipeseal.distribution;
