package io.artifactstore.artifact;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.Text;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Map;

/**
 * Metadata that is stored and echoed exactly as sent: no NUL (PostgreSQL's jsonb cannot hold it),
 * no unpaired surrogate (not text: it would come back as '?'), no number that did not fit a double
 * (it would come back as "Infinity"), keys without control characters, and a bounded depth. It is
 * bounded in size too (README "API reference"): every listing and every artifact answer carries it,
 * so an unbounded one lets one tenant fill the heap with a page of twenty artifacts.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = CleanMetadata.Validator.class)
public @interface CleanMetadata {

    int MAX_DEPTH = 16;

    String message() default "must hold only text without NUL or unpaired surrogates, finite numbers, booleans, null,"
            + " arrays and objects, at most " + MAX_DEPTH + " levels deep";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<CleanMetadata, Map<String, Object>> {

        // Looked up on first use: Quarkus creates validators while it validates the configuration itself.
        @Inject
        Instance<ArtifactStoreConfig> config;

        private long maxSize = -1;

        @Override
        public boolean isValid(Map<String, Object> metadata, ConstraintValidatorContext context) {
            if (metadata == null) {
                return true;
            }
            if (maxSize < 0) {
                maxSize = config.get().metadata().maxSize().asLongValue();
            }
            String bound = MetadataBounds.violation(metadata, maxSize); // first: it gives up as soon as it is over
            if (bound != null) {
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(bound).addConstraintViolation(); // words and numbers, nothing to interpolate
                return false;
            }
            return isClean(metadata, 1);
        }

        private static boolean isClean(Object value, int depth) {
            if (value instanceof Map<?, ?> map) {
                return depth <= MAX_DEPTH && map.entrySet().stream().allMatch(e ->
                        e.getKey() instanceof String key && isCleanKey(key) && isClean(e.getValue(), depth + 1));
            }
            if (value instanceof List<?> list) {
                return depth <= MAX_DEPTH && list.stream().allMatch(item -> isClean(item, depth + 1));
            }
            if (value instanceof String text) {
                return Text.isStorable(text);
            }
            if (value instanceof Double d) {
                return Double.isFinite(d);
            }
            if (value instanceof Float f) {
                return Float.isFinite(f);
            }
            return value == null || value instanceof Boolean || value instanceof Number;
        }

        private static boolean isCleanKey(String key) {
            return Text.isSingleLine(key);
        }
    }
}
