package dev.pipeseal.kms;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pipeseal.crypto.key.DataKey;
import org.junit.jupiter.api.Test;

/** Layering of the bridge decorators: no Hadoop, nothing depends upward, nothing prints. */
class LayeringTest {
  private static final JavaClasses BRIDGE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(
              "dev.pipeseal.kms.audit",
              "dev.pipeseal.kms.bridge",
              "dev.pipeseal.kms.cache",
              "dev.pipeseal.kms.hierarchy",
              "dev.pipeseal.kms.metrics",
              "dev.pipeseal.kms.resilience");

  @Test
  void onlyHadoopPackagesTouchHadoop() {
    // A Kafka producer on the local store or an HSM must never load a Hadoop class.
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.hadoop..")
        .check(BRIDGE);
  }

  @Test
  void bridgeDependsOnNothingAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.pipeseal.spark..",
            "dev.pipeseal.kafka..",
            "dev.pipeseal.parquet..",
            "dev.pipeseal.jobs..",
            "org.apache.spark..",
            "org.apache.kafka..",
            "org.apache.parquet..")
        .check(BRIDGE);
  }

  @Test
  void libraryCodeDoesNotPrint() {
    noClasses()
        .should(com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS)
        .check(BRIDGE);
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
            "dev.pipeseal.kms.hierarchy..",
            "dev.pipeseal.kms.pq..")
        .should()
        .callMethod(DataKey.class, "withMaterial", java.util.function.Function.class)
        .check(BRIDGE);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(BRIDGE);
  }
}
