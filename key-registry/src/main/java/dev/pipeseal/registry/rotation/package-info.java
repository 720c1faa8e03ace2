/**
 * Key rotation over the key registry: rewrapping every record whose master key version is not
 * current, in provider batches, without touching data. Used by the admin CLI and the rotation job.
 */
package dev.pipeseal.registry.rotation;
