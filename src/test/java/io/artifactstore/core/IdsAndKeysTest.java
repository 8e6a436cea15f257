package io.artifactstore.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdsAndKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "board_123", "01JD8X", "a.b-c_d", "x.y.z"})
    void validIds(String id) {
        assertThat(Ids.isValid(id)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../x", "a/b", "a\\b", "-a", "_a", ".hidden", "a..b", "sp ace", "ü", "a%2e"})
    void invalidIds(String id) {
        assertThat(Ids.isValid(id)).isFalse();
    }

    @Test
    void theCheckAgreesWithThePatternAnnotationsUse() {
        Pattern pattern = Pattern.compile(Ids.PATTERN);
        String hostile = "aZ09._-/ \\\u00fc\n%";
        String allowed = "aZ09_-.";
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            int length = random.nextInt(8) == 0 ? 120 + random.nextInt(12) : random.nextInt(8);
            String alphabet = random.nextBoolean() ? hostile : allowed;
            StringBuilder id = new StringBuilder();
            for (int j = 0; j < length; j++) {
                id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String value = id.toString();
            assertThat(Ids.isValid(value)).as("%s", value).isEqualTo(pattern.matcher(value).matches());
        }
    }

    @Test
    void lengthIsBounded() {
        assertThat(Ids.isValid("a".repeat(128))).isTrue();
        assertThat(Ids.isValid("a".repeat(129))).isFalse();
        assertThat(Ids.isValid(null)).isFalse();
    }

    @Test
    void keysRoundTripAndRefuseAnythingElse() {
        StorageKey key = new StorageKey("acme", ArtifactType.IMAGE, null, "01JD", "original");
        assertThat(key.toString()).isEqualTo("acme/image/_/01JD/original");
        assertThat(StorageKey.parse(key.toString())).isEqualTo(key);
        StorageKey boarded = new StorageKey("acme", ArtifactType.MODEL, "b1", "01JD", "lora.safetensors");
        assertThat(StorageKey.parse(boarded.toString())).isEqualTo(boarded);
        StorageKey versioned = key.withVersion("01K0");
        assertThat(versioned.toString()).isEqualTo("acme/image/_/01JD/original/01K0");
        assertThat(versioned.variantKey()).isEqualTo("acme/image/_/01JD/original");
        assertThat(StorageKey.parse(versioned.toString())).isEqualTo(versioned);
        for (String bad : new String[]{"acme/image/_/01JD", "acme/image/_/01JD/original/x/y", "acme/image/_/01JD/original/..",
                "acme/image/_/01JD/original/", "../image/_/a/b",
                "acme/hologram/_/a/b", "acme/image/_/../b", "acme/image/_/a/..", "/image/_/a/b"}) {
            assertThatThrownBy(() -> StorageKey.parse(bad)).as(bad).isInstanceOfSatisfying(StoreFailure.class,
                    refused -> assertThat(refused.kind()).isEqualTo(StoreFailure.Kind.INVALID));
        }
    }

    @Test
    void ulidsAreUniqueAndSortByTime() throws InterruptedException {
        String first = Ulid.next();
        Thread.sleep(2);
        String second = Ulid.next();
        assertThat(first).hasSize(26).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(second).isGreaterThan(first);
        Set<String> many = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(Ulid.next());
        }
        assertThat(many).hasSize(10_000);
        assertThat(Ids.isValid(first)).isTrue();
    }
}
