package io.timestore.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/evidence.md §3: no cache or in-memory structure owns durable state. Every class of the
 * shipped modules that builds an in-memory cache or a concurrent map must be listed in that
 * document's table with its source of truth and its bound, so a new one cannot arrive unexplained.
 */
class CacheInventoryTest {
    private static final Set<String> CACHE_TYPES = Set.of(
            "com.github.benmanes.caffeine.cache.Caffeine",
            "java.util.concurrent.ConcurrentHashMap",
            "java.util.concurrent.ConcurrentSkipListMap",
            "java.util.concurrent.ConcurrentSkipListSet");

    @Test
    void every_class_that_builds_a_cache_or_concurrent_map_is_in_the_evidence_table() throws IOException {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.timestore.server", "io.timestore.audit", "io.timestore.security");
        Set<String> holders = new TreeSet<>();
        for (JavaClass javaClass : classes) {
            if (buildsACache(javaClass)) {
                holders.add(documentedName(javaClass));
            }
        }
        String evidence = Files.readString(Path.of("..", "docs", "evidence.md"));
        String inventory = evidence.substring(evidence.indexOf("## 3."), evidence.indexOf("## 4."));

        assertThat(holders).as("classes found holding caches (the scan must see the known ones)")
                .contains("security.jwt.TokenCache", "tenants.TenantStatuses");
        assertThat(holders).allSatisfy(name -> assertThat(inventory).as("docs/evidence.md §3 lists `%s`", name)
                .contains("`" + name + "`"));
    }

    private static boolean buildsACache(JavaClass javaClass) {
        return Stream.concat(
                        javaClass.getConstructorCallsFromSelf().stream().map(call -> call.getTargetOwner().getName()),
                        javaClass.getMethodCallsFromSelf().stream().map(call -> call.getTargetOwner().getName()))
                .anyMatch(CACHE_TYPES::contains);
    }

    /** {@code io.timestore.server.tenants.TenantStatuses$Entry} is documented as {@code tenants.TenantStatuses}. */
    private static String documentedName(JavaClass javaClass) {
        String name = javaClass.getName();
        int nested = name.indexOf('$');
        if (nested >= 0) {
            name = name.substring(0, nested);
        }
        return name.replaceFirst("^io\\.timestore\\.(server\\.)?", "");
    }
}
