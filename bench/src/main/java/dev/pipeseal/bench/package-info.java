/**
 * Benchmark mains: each suite measures ours and the baseline its issue names in the same JVM run,
 * alternating rounds because these machines are noisy, and reports medians and ratios. Not tests:
 * nothing here asserts a time.
 */
package dev.pipeseal.bench;
