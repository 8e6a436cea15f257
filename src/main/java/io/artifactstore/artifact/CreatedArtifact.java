package io.artifactstore.artifact;

import io.artifactstore.provider.SignedRequest;

/** The answer of a create: the artifact record and the ticket to upload its bytes with. */
public record CreatedArtifact(ArtifactView artifact, SignedRequest upload) {
}
