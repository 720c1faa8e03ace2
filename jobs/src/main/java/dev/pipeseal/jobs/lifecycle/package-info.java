/**
 * Master-key lifecycle for the {@code keys status | rotate --if-due | retire} commands: the
 * rotation policy ({@link dev.pipeseal.jobs.lifecycle.RotationPolicy}), each key's rotation state
 * as of an injectable clock ({@link dev.pipeseal.jobs.lifecycle.KeyState}), and what still
 * references each master key version ({@link dev.pipeseal.jobs.lifecycle.KeyReferences}: registry
 * records, Parquet key material, sampled envelope cells).
 */
package dev.pipeseal.jobs.lifecycle;
