package io.artifactstore.records;

import io.artifactstore.core.ArtifactType;

/** The optional filters of a listing; null means "any". */
public record ArtifactFilter(String boardId, ArtifactType type, Status status) {
}
