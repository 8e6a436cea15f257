#!/usr/bin/env python3
"""Where the service's CPU goes: reads `jfr print --events jdk.ExecutionSample` output on stdin and
prints the share of samples spent under each component (inclusive) and the hottest methods (self)."""
import collections
import re
import sys

COMPONENTS = [
    ("JWT verification (smallrye-jwt, jose4j)", r"jose4j|smallrye\.jwt\.auth|MpJwtValidator"),
    ("security checks (Quarkus security)", r"quarkus\.security|vertx\.http\.runtime\.security"),
    ("Hibernate Reactive / ORM", r"^org\.hibernate\.(?!validator)"),
    ("PostgreSQL client", r"io\.vertx\.pgclient|io\.vertx\.sqlclient"),
    ("JSON (Jackson)", r"com\.fasterxml\.jackson"),
    ("bean validation", r"org\.hibernate\.validator"),
    ("context propagation", r"io\.smallrye\.context"),
    ("HTTP and event loop (Netty, Vert.x core)", r"^io\.netty|^io\.vertx\.core"),
    ("SHA-256 / HMAC", r"sun\.security\.provider\.SHA|com\.sun\.crypto\.provider\.HmacCore"),
    ("AWS SigV4 presigning", r"software\.amazon\.awssdk"),
    ("metrics (Micrometer)", r"micrometer"),
    ("logging (JBoss LogManager, JSON)", r"org\.jboss\.logmanager|quarkus\.logging\.json|org\.eclipse\.parsson"),
    ("artifact-store code", r"^io\.artifactstore"),
]


def main():
    samples = sys.stdin.read().split("jdk.ExecutionSample")[1:]
    stacks = [re.findall(r"^\s+([\w.$<>]+)\(", s, re.M) for s in samples]
    stacks = [s for s in stacks if s]
    if not stacks:
        print("  (no samples)")
        return
    inclusive = collections.Counter()
    hottest = collections.Counter()
    for frames in stacks:
        for name, pattern in COMPONENTS:
            if any(re.search(pattern, f) for f in frames):
                inclusive[name] += 1
        hottest[frames[0]] += 1
    total = len(stacks)
    print(f"  {total} samples; share of samples with the component on the stack:")
    for name, count in inclusive.most_common():
        print(f"    {100 * count / total:5.1f}%  {name}")
    print("  hottest methods (top of stack):")
    for method, count in hottest.most_common(8):
        print(f"    {100 * count / total:5.1f}%  {method}")


if __name__ == "__main__":
    main()
