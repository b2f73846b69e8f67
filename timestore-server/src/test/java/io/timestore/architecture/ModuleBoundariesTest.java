package io.timestore.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/architecture.md §2: audit and security are libraries other services can use; they know nothing of the server or HTTP. */
class ModuleBoundariesTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.timestore");
    }

    @Test
    void security_does_not_depend_on_the_server_audit_or_any_http_framework() {
        noClasses().that().resideInAPackage("io.timestore.security..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.timestore.server..", "io.timestore.audit..", "io.javalin..", "jakarta.servlet..", "org.eclipse.jetty..")
                .check(classes);
    }

    @Test
    void audit_does_not_depend_on_the_server_security_internals_or_any_http_framework() {
        noClasses().that().resideInAPackage("io.timestore.audit..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.timestore.server..", "io.timestore.security..", "io.javalin..", "jakarta.servlet..", "org.eclipse.jetty..")
                .check(classes);
    }

    @Test
    void no_class_reads_the_environment_outside_the_configuration_loader() {
        noClasses().that().resideOutsideOfPackage("io.timestore.server.config..")
                .and().doNotHaveFullyQualifiedName("io.timestore.server.cli.Main")
                .should().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .check(classes);
    }

    @Test
    void server_feature_packages_are_free_of_cycles() {
        // A cycle makes every package in it change together; the error vocabulary lives in
        // problems, settings records in config, so no feature has to reach back into http or db.
        slices().matching("io.timestore.server.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void audit_and_security_packages_are_free_of_cycles() {
        slices().matching("io.timestore.audit.(*)..").should().beFreeOfCycles().check(classes);
        slices().matching("io.timestore.security.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void the_error_vocabulary_knows_nothing_of_http() {
        noClasses().that().resideInAPackage("io.timestore.server.problems..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.timestore.server.http..", "io.javalin..", "jakarta.servlet..", "org.eclipse.jetty..")
                .check(classes);
    }
}
