/**
 * PKCS#11 HSM provider through the JDK's SunPKCS11 provider (tested with SoftHSM2).
 *
 * <p>Master keys are AES-256 token objects created sensitive and non-extractable, one object per
 * version, labelled {@code name#version}. DEKs are generated in the JVM and wrapped inside the HSM
 * with single-shot AES-GCM (SunPKCS11 offers no AES key wrap here, and multi-part GCM through it
 * loses data), with AAD binding provider, key name, version and algorithm.
 */
package dev.pipeseal.kms.pkcs11;
