/**
 * The key hierarchy's middle layer: {@link dev.pipeseal.kms.hierarchy.KekKms} wraps DEKs locally
 * under cached KEKs (each wrapped once by the master key), which keeps KMS calls off the hot path
 * and makes master key rotation cost O(KEKs). Owns the KEK-wrapped key layout.
 */
package dev.pipeseal.kms.hierarchy;
