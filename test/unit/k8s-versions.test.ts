import test from "ava";
import {
    canUpgrade,
    checkUpgrade,
    compareSemver,
    isSemanticVersion,
    latestUpgradeTarget,
    nextAllowedVersions,
    parseSemver,
} from "../../provider/kubernetes/versions";
import { badVersionText, isSemver, semverOrder, upgradeRefusal } from "../../simulator/records/kubernetes-version";

test("semantic versions are parsed and checked as Mold does", (t) => {
    t.deepEqual(parseSemver("1.30.14"), { major: 1, minor: 30, patch: 14, parts: [1, 30, 14] });
    t.is(parseSemver("v1.29.0").minor, 29);
    t.true(isSemanticVersion("1.2.3.4"));
    t.false(isSemanticVersion("1.30"));
    t.false(isSemanticVersion("1.30.x"));
    t.throws(() => parseSemver("invalid"), { message: "Invalid version format, invalid. Semantic version should be specified in MAJOR.MINOR.PATCH format" });
});

test("comparison is numeric per part, missing parts count as 0", (t) => {
    t.is(compareSemver("1.30.2", "1.30.10"), -1);
    t.is(compareSemver("1.31.0", "1.30.99"), 1);
    t.is(compareSemver("1.30.0", "1.30.0.0"), 0);
});

test("upgrade: later patch and next minor are allowed, the same semver is accepted", (t) => {
    t.true(canUpgrade("1.30.11", "1.30.14"));
    t.true(canUpgrade("1.30.11", "1.31.9"));
    t.true(canUpgrade("1.30.11", "1.31.0"));
    t.true(canUpgrade("1.30.11", "1.30.11"));
});

test("upgrade: downgrades, minor skips and major changes are refused with Mold's texts", (t) => {
    t.deepEqual(checkUpgrade("1.31.9", "1.30.14"), {
        allowed: false,
        reason: "Kubernetes clusters can not be downgraded, current version: 1.31.9, upgrade version: 1.30.14",
    });
    t.deepEqual(checkUpgrade("1.29.15", "1.31.9"), {
        allowed: false,
        reason: "Kubernetes clusters can be upgraded between next minor or patch version releases, current version: 1.29.15, upgrade version: 1.31.9",
    });
    t.false(canUpgrade("1.33.1", "2.0.0"));
    t.true(canUpgrade("1.30.1", "1.30.1.1"));
    t.regex((checkUpgrade("1.30", "1.31.0") as { reason: string }).reason, /Invalid version format, 1\.30\./);
});

test("nextAllowedVersions lists reachable versions in order, from strings or version rows", (t) => {
    const seeded = ["1.33.1", "1.29.15", "1.30.11", "1.30.14", "1.31.9", "1.32.5", "bogus"];
    t.deepEqual(nextAllowedVersions("1.30.11", seeded), ["1.30.11", "1.30.14", "1.31.9"]);
    t.deepEqual(nextAllowedVersions("1.33.1", seeded), ["1.33.1"]);
    t.deepEqual(nextAllowedVersions("1.28.0", seeded), ["1.29.15"]);
    const rows = [
        { id: "b", semanticversion: "1.31.9" },
        { id: "a", semanticversion: "1.30.14" },
        { id: "c", semanticversion: "1.32.5" },
    ];
    t.deepEqual(
        nextAllowedVersions("1.30.11", rows).map((r) => r.id),
        ["a", "b"],
    );
    t.is(latestUpgradeTarget("1.30.11", seeded), "1.31.9");
    t.is(latestUpgradeTarget("1.34.0", seeded), undefined);
});

// The simulator judges versions with its own code (simulator/records/kubernetes-version.ts). One table of
// cases from mold-api-kubernetes.md §6.4 / §6.6 judges both sides, so a bug cannot hide by being shared.
const UPGRADE_CASES: [from: string, to: string, refusal: string | undefined][] = [
    ["1.27.3", "1.27.9", undefined],
    ["1.27.3", "1.28.0", undefined],
    ["1.27.3", "1.28.12", undefined],
    ["1.27.3", "1.27.3", undefined],
    ["1.30.0", "1.30.0.0", undefined],
    ["1.27.3", "1.29.0", "Kubernetes clusters can be upgraded between next minor or patch version releases, current version: 1.27.3, upgrade version: 1.29.0"],
    ["1.31.9", "2.0.0", "Kubernetes clusters can be upgraded between next minor or patch version releases, current version: 1.31.9, upgrade version: 2.0.0"],
    ["1.31.9", "1.30.14", "Kubernetes clusters can not be downgraded, current version: 1.31.9, upgrade version: 1.30.14"],
    ["1.30.10", "1.30.2", "Kubernetes clusters can not be downgraded, current version: 1.30.10, upgrade version: 1.30.2"],
    ["1.30.1", "1.x.0", "Invalid version format, 1.x.0. Semantic version should be specified in MAJOR.MINOR.PATCH format"],
];

test("the simulator's and the provider's upgrade rules agree with Mold's on every case of the reference", (t) => {
    for (const [from, to, refusal] of UPGRADE_CASES) {
        t.is(upgradeRefusal(from, to), refusal, `simulator: ${from} → ${to}`);
        const provider = checkUpgrade(from, to);
        t.is(provider.allowed ? undefined : provider.reason, refusal, `provider: ${from} → ${to}`);
    }
});

test("the simulator reads semantic versions as Mold does", (t) => {
    for (const [v, ok] of [
        ["1.30.14", true],
        ["1.2.3.4", true],
        ["1.30", false],
        ["1.30.x", false],
        ["invalid", false],
        ["1..3", false],
        ["", false],
    ] as const) {
        t.is(isSemver(v), ok, v);
        t.is(isSemanticVersion(v), ok, `the provider agrees on ${v}`);
    }
    t.is(semverOrder("1.30.2", "1.30.10"), -1);
    t.is(semverOrder("1.31.0", "1.30.99"), 1);
    t.is(semverOrder("1.30.0", "1.30.0.0"), 0);
    t.is(semverOrder("v1.29.0", "1.29.0"), 0);
    t.throws(() => semverOrder("invalid", "1.30.0"), { message: badVersionText("invalid") });
    t.is(badVersionText("invalid"), "Invalid version format, invalid. Semantic version should be specified in MAJOR.MINOR.PATCH format");
});
