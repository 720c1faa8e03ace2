/*
 * Bench-only JNI shim over libsodium's AES-256-GCM with a precomputed key (the "afternm" API):
 * measures what a native small-value AEAD backend would give before any product code depends on
 * one. Nothing here implements a primitive; every byte of crypto is libsodium's.
 * Built by ./bench/run native (gcc, libsodium-dev); never part of a released artifact.
 */
#include <jni.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  crypto_aead_aes256gcm_state state; /* 16-byte aligned: allocated with aligned_alloc */
  unsigned long long aad_len;
  unsigned char aad[256];
} bench_key;

JNIEXPORT jboolean JNICALL Java_dev_pipeseal_bench_NativeGcm_available(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  return sodium_init() >= 0 && crypto_aead_aes256gcm_is_available() ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jlong JNICALL Java_dev_pipeseal_bench_NativeGcm_open(JNIEnv *env, jclass cls,
                                                              jbyteArray key, jbyteArray aad) {
  (void)cls;
  jsize aad_len = (*env)->GetArrayLength(env, aad);
  if ((*env)->GetArrayLength(env, key) != crypto_aead_aes256gcm_KEYBYTES || aad_len > 256) {
    return 0;
  }
  bench_key *k = aligned_alloc(64, (sizeof(bench_key) + 63) / 64 * 64);
  if (k == NULL) {
    return 0;
  }
  unsigned char raw[crypto_aead_aes256gcm_KEYBYTES];
  (*env)->GetByteArrayRegion(env, key, 0, crypto_aead_aes256gcm_KEYBYTES, (jbyte *)raw);
  crypto_aead_aes256gcm_beforenm(&k->state, raw);
  sodium_memzero(raw, sizeof raw);
  (*env)->GetByteArrayRegion(env, aad, 0, aad_len, (jbyte *)k->aad);
  k->aad_len = (unsigned long long)aad_len;
  return (jlong)(intptr_t)k;
}

/* out = nonce(12, written by the caller) || ciphertext || tag(16); returns 0 on success. */
JNIEXPORT jint JNICALL Java_dev_pipeseal_bench_NativeGcm_seal(JNIEnv *env, jclass cls, jlong handle,
                                                             jbyteArray plaintext, jint len,
                                                             jbyteArray out) {
  (void)cls;
  bench_key *k = (bench_key *)(intptr_t)handle;
  unsigned char *pt = (*env)->GetPrimitiveArrayCritical(env, plaintext, NULL);
  unsigned char *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
  int rc = -1;
  if (pt != NULL && o != NULL) {
    rc = crypto_aead_aes256gcm_encrypt_detached_afternm(o + 12, o + 12 + len, NULL, pt,
                                                        (unsigned long long)len, k->aad,
                                                        k->aad_len, NULL, o, &k->state);
  }
  if (o != NULL) {
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
  }
  if (pt != NULL) {
    (*env)->ReleasePrimitiveArrayCritical(env, plaintext, pt, JNI_ABORT);
  }
  return rc;
}

/* The inverse: in = nonce || ciphertext || tag; plaintext gets len - 28 bytes; 0 if authentic. */
JNIEXPORT jint JNICALL Java_dev_pipeseal_bench_NativeGcm_open0(JNIEnv *env, jclass cls,
                                                              jlong handle, jbyteArray in,
                                                              jint len, jbyteArray plaintext) {
  (void)cls;
  bench_key *k = (bench_key *)(intptr_t)handle;
  if (len < 28) {
    return -1;
  }
  unsigned char *i = (*env)->GetPrimitiveArrayCritical(env, in, NULL);
  unsigned char *pt = (*env)->GetPrimitiveArrayCritical(env, plaintext, NULL);
  int rc = -1;
  if (i != NULL && pt != NULL) {
    rc = crypto_aead_aes256gcm_decrypt_detached_afternm(pt, NULL, i + 12,
                                                        (unsigned long long)(len - 28),
                                                        i + len - 16, k->aad, k->aad_len, i,
                                                        &k->state);
  }
  if (pt != NULL) {
    (*env)->ReleasePrimitiveArrayCritical(env, plaintext, pt, rc == 0 ? 0 : JNI_ABORT);
  }
  if (i != NULL) {
    (*env)->ReleasePrimitiveArrayCritical(env, in, i, JNI_ABORT);
  }
  return rc;
}

JNIEXPORT void JNICALL Java_dev_pipeseal_bench_NativeGcm_close(JNIEnv *env, jclass cls,
                                                              jlong handle) {
  (void)env;
  (void)cls;
  bench_key *k = (bench_key *)(intptr_t)handle;
  if (k != NULL) {
    sodium_memzero(k, sizeof(bench_key));
    free(k);
  }
}
