package io.artifactstore.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Shell-style globs where {@code *} stands for any run of characters: {@code video/*}, {@code campaign-*}. */
public final class Glob {

    private final Pattern pattern;

    private Glob(String glob) {
        this.pattern = Pattern.compile(Arrays.stream(glob.split("\\*", -1))
                .map(Pattern::quote).collect(Collectors.joining(".*")));
    }

    public static Glob of(String glob) {
        return new Glob(glob);
    }

    /** Media type globs compare case-insensitively, as media types do. */
    public static Glob ofMediaType(String glob) {
        return new Glob(glob.strip().toLowerCase(Locale.ROOT));
    }

    public boolean matches(String value) {
        return value != null && pattern.matcher(value).matches();
    }
}
