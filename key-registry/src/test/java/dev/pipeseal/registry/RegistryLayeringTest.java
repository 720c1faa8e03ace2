package dev.pipeseal.registry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** A registry on a local directory, the CLI and the HSM provider must work without Hadoop. */
class RegistryLayeringTest {
  @Test
  void onlyTheHadoopStoreTouchesHadoop() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(
                "dev.pipeseal.kms.registry", "dev.pipeseal.jobs.keys", "dev.pipeseal.kms.pkcs11");
    noClasses()
        .that()
        .doNotHaveSimpleName("HadoopFileSystemStore")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.apache.hadoop..")
        .check(classes);
  }
}
