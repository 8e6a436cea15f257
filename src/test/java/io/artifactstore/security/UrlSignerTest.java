package io.artifactstore.security;

import io.quarkus.runtime.configuration.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UrlSignerTest {

    private static final String OLD = "old-secret-old-secret-old-secret-0001";
    private static final String NEW = "new-secret-new-secret-new-secret-0002";

    @Test
    void aSignatureVerifiesOnlyForTheSameFieldsAndKey() {
        UrlSigner signer = new UrlSigner(NEW, List.of());
        String canonical = UrlSigner.canonical("PUT", "local", "t/image/_/a/original", "1700000000", "10", "image/png", "", "");
        String signature = signer.sign(canonical);
        assertThat(signer.verify(signer.currentKeyId(), canonical, signature)).isTrue();
        assertThat(signer.verify(signer.currentKeyId(), canonical.replace("PUT", "GET"), signature)).isFalse();
        assertThat(signer.verify(signer.currentKeyId(), canonical.replace("10", "11"), signature)).isFalse();
        assertThat(signer.verify("unknown", canonical, signature)).isFalse();
        assertThat(signer.verify(signer.currentKeyId(), canonical, null)).isFalse();
        assertThat(signer.verify(null, canonical, signature)).isFalse();
    }

    @Test
    void fieldsCannotBeResplit() {
        // Joined with a plain separator, each of these pairs was one string, and so one signature.
        assertThat(UrlSigner.canonical("PUT", "image/png\nX", "")).isNotEqualTo(UrlSigner.canonical("PUT", "image/png", "X\n"));
        assertThat(UrlSigner.canonical("a\nb", "c")).isNotEqualTo(UrlSigner.canonical("a", "b\nc"));
        assertThat(UrlSigner.canonical("a:b", "c")).isNotEqualTo(UrlSigner.canonical("a", "b:c"));
    }

    @Test
    void urlsSignedBeforeARotationStayValid() {
        UrlSigner before = new UrlSigner(OLD, List.of());
        String canonical = UrlSigner.canonical("GET", "local", "k", "1");
        String oldSignature = before.sign(canonical);

        UrlSigner after = new UrlSigner(NEW, List.of(OLD));
        assertThat(after.currentKeyId()).isNotEqualTo(before.currentKeyId());
        assertThat(after.verify(before.currentKeyId(), canonical, oldSignature)).isTrue();
        assertThat(after.verify(after.currentKeyId(), canonical, oldSignature)).isFalse();

        UrlSigner retired = new UrlSigner(NEW, List.of());
        assertThat(retired.verify(before.currentKeyId(), canonical, oldSignature)).isFalse();
    }

    @Test
    void shortSecretsAreRefused() {
        assertThatThrownBy(() -> new UrlSigner("short", List.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("artifact-store.signing.secret must be").hasMessageNotContaining("short");
        assertThatThrownBy(() -> new UrlSigner(NEW, List.of(OLD, "tiny"))).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("artifact-store.signing.previous-secrets[1] must be").hasMessageNotContaining("tiny");
    }
}
