package io.artifactstore.core;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The kinds of artifact of the README's API reference; their names are the wire form. */
public enum ArtifactType {
    IMAGE, VIDEO, AUDIO, TEXT, MODEL, DATASET, INTERMEDIATE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ArtifactType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName().equals(name)).findFirst();
    }
}
