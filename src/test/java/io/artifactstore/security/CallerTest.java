package io.artifactstore.security;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A token's subject that only looks like the service's {@code system:} is marked like the real prefix. */
class CallerTest {

    @Test
    void lookAlikesOfTheServicePrefixAreMarked() {
        List<String> posers = List.of(
                "system:expiry-reaper",
                "SYSTEM:expiry-reaper", "System:reconciler", "  system:reconciler", "\u3000system:x",
                "\u0455\u0443\u0455\u0442\u0435\u043c:expiry-reaper",      // Cyrillic ѕуѕтем
                "sys\u0442em:x", "syst\u0435m:x", "\u0405\u04AE\u0405\u0422\u0415\u041C:x", // Cyrillic, upper case
                "s\u03b3st\u03b5m:x", "SYS\u03a4\u0395\u039c:x",            // Greek
                "\uff53\uff59\uff53\uff54\uff45\uff4d\uff1ax",               // fullwidth ｓｙｓｔｅｍ：
                "\ud835\udc2c\ud835\udc32\ud835\udc2c\ud835\udc2d\ud835\udc1e\ud835\udc26:x", // mathematical bold
                "\ua731\u028f\ua731\u1d1b\u1d07\u1d0d:x",                  // small capitals
                "system\u2236x", "system\u02d0x", "system\ufe13x", "system\uff1ax", "system\ua789x", // colons
                "s\u0301ystem:x", "sy\u200bstem:x", "\u017fystem:x",        // a mark, an invisible, a long s
                "\u00a0system:x");
        for (String subject : posers) {
            assertThat(Caller.ofToken("acme", subject).subject()).as(subject).startsWith("token:");
        }
    }

    @Test
    void ordinarySubjectsAreKeptAsTheyAre() {
        for (String subject : List.of("user-1", "systems-team", "system", "sys:tem", "ann@example.com", "syst\u00e8me-admin",
                "\u0441\u0438\u0441\u0442\u0435\u043c\u0430:x", "token:abc", "\u7cfb\u7edf:x")) {
            assertThat(Caller.ofToken("acme", subject).subject()).as(subject).isEqualTo(subject);
        }
        assertThat(Caller.system("acme", "reconciler").subject()).isEqualTo("system:reconciler");
    }
}
