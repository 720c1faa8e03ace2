/**
 * Durable local files for key material at rest (key stores, recipient files): atomic replacement
 * and cross-process admin locks, so a crash or a concurrent admin never leaves a partial file.
 */
package dev.pipeseal.kms.storage;
