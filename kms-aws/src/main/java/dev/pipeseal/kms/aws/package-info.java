/**
 * The AWS KMS provider ({@code aws-kms}): the only package that imports the AWS SDK. {@link
 * dev.pipeseal.kms.aws.AwsKmsService} is loaded by ServiceLoader without touching the SDK; {@link
 * dev.pipeseal.kms.aws.AwsKms} wraps DEKs with GenerateDataKey, unwraps with Decrypt, rewraps on
 * the server with ReEncrypt (the DEK never reaches this process) and rotates with
 * RotateKeyOnDemand.
 *
 * <p>The SDK's own retries are off by default: the bridge's resilient decorator owns retries and
 * the per-attempt timeout, so one slow KMS never sees attempts multiplied by two retry loops.
 */
package dev.pipeseal.kms.aws;
