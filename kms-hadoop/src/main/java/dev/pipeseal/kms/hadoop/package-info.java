/**
 * The Hadoop KMS provider ({@code hadoop-kms}): the only package allowed to import {@code
 * org.apache.hadoop}. {@link dev.pipeseal.kms.hadoop.HadoopKmsService} is loaded by ServiceLoader
 * without touching Hadoop; {@link dev.pipeseal.kms.hadoop.HadoopKms} talks to one KMS or to a
 * load-balanced group ({@code kms://http@host1;host2:port/kms}) through the Hadoop client's {@code
 * KeyProviderCryptoExtension}: generate and decrypt EEKs, batch re-encrypt, roll, create.
 *
 * <p>Hadoop EEKs are AES-CTR and unauthenticated; see {@link dev.pipeseal.kms.hadoop.EekCodec} for
 * what that means for tampering and where authentication comes from.
 */
package dev.pipeseal.kms.hadoop;
