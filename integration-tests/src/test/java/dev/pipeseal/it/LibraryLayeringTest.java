package dev.pipeseal.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.GeneralCodingRules;
import dev.pipeseal.crypto.key.DataKey;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Rules across every library module below the connectors (SPI, providers, bridge, registry,
 * envelope layer), checked here because only this module sees all of them on one classpath.
 */
class LibraryLayeringTest {
  private static final JavaClasses LIBRARY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TEST_FIXTURES)
          .withImportOption(location -> !location.contains("test-support"))
          .importPackages("dev.pipeseal.kms", "dev.pipeseal.registry", "dev.pipeseal.envelope");

  @Test
  void onlyTheHadoopProviderAndStoreTouchHadoop() {
    // A Kafka producer on the local store or an HSM must never load a Hadoop class.
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.pipeseal.kms.hadoop..")
        .and()
        .doNotHaveFullyQualifiedName("dev.pipeseal.registry.HadoopFileSystemStore")
        .and()
        .doNotHaveFullyQualifiedName("dev.pipeseal.registry.HadoopAtomicFiles")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.hadoop..")
        .check(LIBRARY);
  }

  @Test
  void libraryDependsOnNothingAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.pipeseal.spark..",
            "dev.pipeseal.kafka..",
            "dev.pipeseal.parquet..",
            "dev.pipeseal.jobs..",
            "org.apache.spark..",
            "org.apache.parquet..")
        .check(LIBRARY);
  }

  @Test
  void onlyTheTopicStoreTouchesKafkaClients() {
    // A file-system registry user never loads a Kafka class; the topic store lives in its own
    // module (pipeseal-key-registry-kafka) for that reason.
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.pipeseal.registry.kafka..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.kafka..")
        .check(LIBRARY);
  }

  @Test
  void theTopicStoreDependsOnNoConnector() {
    noClasses()
        .that()
        .resideInAPackage("dev.pipeseal.registry.kafka..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.pipeseal.spark..",
            "dev.pipeseal.kafka..",
            "dev.pipeseal.parquet..",
            "dev.pipeseal.jobs..",
            "org.apache.hadoop..")
        .check(LIBRARY);
  }

  @Test
  void libraryCodeDoesNotPrint() {
    noClasses().should(GeneralCodingRules.ACCESS_STANDARD_STREAMS).check(LIBRARY);
  }

  @Test
  void onlyWrappingCodeBorrowsKeyMaterial() {
    // Plaintext DEK bytes leave DataKey only to be wrapped by a provider or the KEK layer.
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "dev.pipeseal.kms.local..",
            "dev.pipeseal.kms.pkcs11..",
            "dev.pipeseal.kms.hadoop..",
            // Cloud KMS and Key Vault have no data-key call: the provider makes the DEK and
            // sends it to encrypt / wrapKey.
            "dev.pipeseal.kms.gcp..",
            "dev.pipeseal.kms.azure..",
            // AWS wraps an existing DEK (a key migrated from another provider) with Encrypt.
            "dev.pipeseal.kms.aws..",
            "dev.pipeseal.kms.hierarchy..",
            "dev.pipeseal.kms.pq..")
        .should()
        .callMethod(DataKey.class, "withMaterial", Function.class)
        .check(LIBRARY);
  }

  @Test
  void onlyTheHybridProviderUsesBouncyCastle() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.pipeseal.kms.pq..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.bouncycastle..")
        .check(LIBRARY);
  }

  @Test
  void onlyTheAwsProviderTouchesTheAwsSdk() {
    // Readers of a local store or Hadoop KMS never load an AWS SDK class.
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.pipeseal.kms.aws..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("software.amazon.awssdk..")
        .check(LIBRARY);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(LIBRARY);
  }
}
