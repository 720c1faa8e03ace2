/*
 * JNI binding of dev.pipeseal.crypto.aead.NativeGcm to libsodium's AES-256-GCM with a precomputed
 * key (crypto_aead_aes256gcm_beforenm / _afternm). Nothing here is a primitive of our own: the
 * AES rounds, GHASH and tag comparison are libsodium's (AES-NI and PCLMULQDQ). This file only moves
 * bytes between Java arrays and libsodium, after the Java side has checked every offset and length.
 */
#include <jni.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONCE_BYTES 12
#define TAG_BYTES 16
#define STACK_BYTES 1024

/* 1: libsodium initialised and the CPU has what its AES-GCM needs; 0 otherwise. */
JNIEXPORT jint JNICALL Java_dev_pipeseal_crypto_aead_NativeGcm_init(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  if (sodium_init() < 0) {
    return 0;
  }
  return crypto_aead_aes256gcm_is_available() ? 1 : 0;
}

JNIEXPORT jlong JNICALL Java_dev_pipeseal_crypto_aead_NativeGcm_newKey(JNIEnv *env, jclass cls,
                                                                      jbyteArray key) {
  (void)cls;
  if ((*env)->GetArrayLength(env, key) != crypto_aead_aes256gcm_KEYBYTES) {
    return 0;
  }
  /* The state needs 16-byte alignment; its size is a multiple of 16. */
  size_t size = (sizeof(crypto_aead_aes256gcm_state) + 63) & ~(size_t)63;
  crypto_aead_aes256gcm_state *st = aligned_alloc(64, size);
  if (st == NULL) {
    return 0;
  }
  unsigned char raw[crypto_aead_aes256gcm_KEYBYTES];
  (*env)->GetByteArrayRegion(env, key, 0, crypto_aead_aes256gcm_KEYBYTES, (jbyte *)raw);
  crypto_aead_aes256gcm_beforenm(st, raw);
  sodium_memzero(raw, sizeof raw);
  return (jlong)(intptr_t)st;
}

JNIEXPORT void JNICALL Java_dev_pipeseal_crypto_aead_NativeGcm_freeKey(JNIEnv *env, jclass cls,
                                                                      jlong handle) {
  (void)env;
  (void)cls;
  crypto_aead_aes256gcm_state *st = (crypto_aead_aes256gcm_state *)(intptr_t)handle;
  if (st != NULL) {
    sodium_memzero(st, sizeof(crypto_aead_aes256gcm_state));
    free(st);
  }
}

/* aad1 || aad2 into buf (stack) or a heap block; returns the pointer to use, NULL on failure. */
static unsigned char *gather_aad(JNIEnv *env, jbyteArray aad1, jint len1, jbyteArray aad2,
                                 jint len2, unsigned char *stack, unsigned char **heap) {
  size_t total = (size_t)len1 + (size_t)len2;
  unsigned char *buf = stack;
  *heap = NULL;
  if (total > STACK_BYTES) {
    buf = *heap = malloc(total);
    if (buf == NULL) {
      return NULL;
    }
  }
  if (len1 > 0) {
    (*env)->GetByteArrayRegion(env, aad1, 0, len1, (jbyte *)buf);
  }
  if (len2 > 0) {
    (*env)->GetByteArrayRegion(env, aad2, 0, len2, (jbyte *)(buf + len1));
  }
  return buf;
}

/*
 * ciphertext || tag of in[inOff, inOff+len) into out[outOff, outOff+len+16), AAD aad1 || aad2.
 * Returns 0, or -1 if memory ran out (nothing is written then).
 */
JNIEXPORT jint JNICALL Java_dev_pipeseal_crypto_aead_NativeGcm_seal(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray nonce, jint nonceOff, jbyteArray aad1,
    jint aad1Len, jbyteArray aad2, jint aad2Len, jbyteArray in, jint inOff, jint len,
    jbyteArray out, jint outOff) {
  (void)cls;
  const crypto_aead_aes256gcm_state *st = (const crypto_aead_aes256gcm_state *)(intptr_t)handle;
  unsigned char n[NONCE_BYTES];
  unsigned char stack[STACK_BYTES];
  unsigned char *heap;
  (*env)->GetByteArrayRegion(env, nonce, nonceOff, NONCE_BYTES, (jbyte *)n);
  unsigned char *aad = gather_aad(env, aad1, aad1Len, aad2, aad2Len, stack, &heap);
  if (aad == NULL) {
    return -1;
  }
  int rc = -1;
  /* No JNI call but the critical ones between Get- and ReleasePrimitiveArrayCritical. */
  jboolean same = (*env)->IsSameObject(env, in, out);
  unsigned char *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
  if (o != NULL) {
    unsigned char *i = same ? o : (*env)->GetPrimitiveArrayCritical(env, in, NULL);
    if (i != NULL) {
      rc = crypto_aead_aes256gcm_encrypt_detached_afternm(
          o + outOff, o + outOff + len, NULL, i + inOff, (unsigned long long)len, aad,
          (unsigned long long)aad1Len + (unsigned long long)aad2Len, NULL, n, st);
      if (i != o) {
        (*env)->ReleasePrimitiveArrayCritical(env, in, i, JNI_ABORT);
      }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
  }
  free(heap);
  return rc;
}

/*
 * Verifies and decrypts ciphertext || tag in[inOff, inOff+len) (len >= 16) into out at outOff.
 * Decrypts into a scratch buffer and copies out only a verified plaintext, so out is never
 * written for a forgery. Returns 0 if authentic, 1 if not, -1 if memory ran out.
 */
JNIEXPORT jint JNICALL Java_dev_pipeseal_crypto_aead_NativeGcm_open(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray nonce, jint nonceOff, jbyteArray aad1,
    jint aad1Len, jbyteArray aad2, jint aad2Len, jbyteArray in, jint inOff, jint len,
    jbyteArray out, jint outOff) {
  (void)cls;
  const crypto_aead_aes256gcm_state *st = (const crypto_aead_aes256gcm_state *)(intptr_t)handle;
  size_t plain = (size_t)len - TAG_BYTES;
  unsigned char n[NONCE_BYTES];
  unsigned char stack[STACK_BYTES];
  unsigned char scratch_stack[STACK_BYTES];
  unsigned char *heap;
  unsigned char *scratch = scratch_stack;
  (*env)->GetByteArrayRegion(env, nonce, nonceOff, NONCE_BYTES, (jbyte *)n);
  unsigned char *aad = gather_aad(env, aad1, aad1Len, aad2, aad2Len, stack, &heap);
  if (aad == NULL) {
    return -1;
  }
  if (plain > STACK_BYTES) {
    scratch = malloc(plain);
    if (scratch == NULL) {
      free(heap);
      return -1;
    }
  }
  int rc = -1;
  unsigned char *i = (*env)->GetPrimitiveArrayCritical(env, in, NULL);
  if (i != NULL) {
    rc = crypto_aead_aes256gcm_decrypt_detached_afternm(
             scratch, NULL, i + inOff, (unsigned long long)plain, i + inOff + plain, aad,
             (unsigned long long)aad1Len + (unsigned long long)aad2Len, n, st) == 0
             ? 0
             : 1;
    (*env)->ReleasePrimitiveArrayCritical(env, in, i, JNI_ABORT);
  }
  if (rc == 0 && plain > 0) {
    (*env)->SetByteArrayRegion(env, out, outOff, (jsize)plain, (jbyte *)scratch);
  }
  sodium_memzero(scratch, plain);
  if (scratch != scratch_stack) {
    free(scratch);
  }
  free(heap);
  return rc;
}
