package io.artifactstore.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Installs {@link ApiDescription#FILTER} before every test class (registered in META-INF/services; Quarkus
 * turns extension auto-detection on). A {@code @QuarkusTest} class runs in its own class loader, with its
 * own copy of REST Assured: the filter is installed through that loader, into the copy the test uses.
 */
public class ApiDescriptionExtension implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        ClassLoader loader = context.getRequiredTestClass().getClassLoader();
        Class.forName(ApiDescription.class.getName(), true, loader).getMethod("install").invoke(null);
    }
}
