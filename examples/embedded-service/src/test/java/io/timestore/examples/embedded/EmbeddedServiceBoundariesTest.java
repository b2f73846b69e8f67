package io.timestore.examples.embedded;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The example proves the libraries stand alone: it uses timestore-security and timestore-audit
 * only, never the server or an HTTP framework (the rule ModuleBoundariesTest keeps for the libraries).
 */
class EmbeddedServiceBoundariesTest {

    @Test
    void the_example_depends_on_no_server_class_and_no_http_framework() {
        var classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.timestore.examples");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.timestore.server..", "io.javalin..",
                "org.eclipse.jetty..", "jakarta.servlet..").check(classes);
    }

    @Test
    void the_server_is_not_even_on_the_example_s_classpath() {
        assertThatThrownBy(() -> Class.forName("io.timestore.server.Timestore")).isInstanceOf(ClassNotFoundException.class);
    }
}
