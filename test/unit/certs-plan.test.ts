// The pure parts of day-2 certificates and host keys: durations, the renewal window (judged by the later of the
// provider's and the nodes' clocks), the repair rule diff applies, and the host keys a connection accepts.
import test from "ava";
import { DAY_MS, earliest, effectiveNow, insideWindow, latest, parseDuration, renewalDue } from "../../provider/kubeadm/certs-plan";
import { acceptedHostKeys, confirmed, needsRotation } from "../../provider/kubeadm/host-key-rotation";
import { generateHostKey, hostKeyFingerprint } from "../../provider/ssh/host-keys";
import type { NodeRecord } from "../../provider/kubeadm/plan";

test("parseDuration: weeks, days, hours, minutes and sums of them; anything else is undefined", (t) => {
    t.is(parseDuration("30d"), 30 * DAY_MS);
    t.is(parseDuration("2w"), 14 * DAY_MS);
    t.is(parseDuration("36h"), 1.5 * DAY_MS);
    t.is(parseDuration("1d12h30m"), 1.5 * DAY_MS + 30 * 60_000);
    t.is(parseDuration(" 7d "), 7 * DAY_MS);
    for (const bad of ["", "30", "d", "30x", "-1d", "1.5d", "30 d", "P30D", 30, undefined, null]) t.is(parseDuration(bad), undefined, String(bad));
});

test("insideWindow: expiry minus now at most the window; an unknown expiry is never inside", (t) => {
    const now = Date.parse("2027-01-01T00:00:00Z");
    t.true(insideWindow("2027-01-31T00:00:00Z", now, 30 * DAY_MS), "exactly 30 days left");
    t.false(insideWindow("2027-01-31T00:00:01Z", now, 30 * DAY_MS));
    t.true(insideWindow("2026-12-01T00:00:00Z", now, 30 * DAY_MS), "already expired");
    t.false(insideWindow(undefined, now, 30 * DAY_MS));
    t.false(insideWindow("not a date", now, 30 * DAY_MS));
});

test("effectiveNow: the later of the provider's clock and the nodes' clock as last read", (t) => {
    const wall = Date.parse("2026-12-04T00:00:00Z");
    t.is(effectiveNow(wall), wall);
    t.is(effectiveNow(wall, "2027-11-01T00:00:00Z"), Date.parse("2027-11-01T00:00:00Z"), "nodes ahead (the simulator's clock moved)");
    t.is(effectiveNow(wall, "2026-01-01T00:00:00Z"), wall, "an old reading never moves time back");
    t.is(effectiveNow(wall, "garbage"), wall);
});

test("renewalDue: only a control plane with a window, inside it by the effective now", (t) => {
    const wall = Date.parse("2026-12-04T00:00:00Z");
    const cp = { role: "control-plane", renewCertificatesBefore: "30d", certificatesExpireAt: "2027-12-04T00:00:00Z" };
    t.false(renewalDue(cp, wall), "a year left");
    t.true(renewalDue(cp, Date.parse("2027-11-10T00:00:00Z")), "24 days left by the provider's clock");
    t.true(renewalDue({ ...cp, certificatesCheckedAt: "2027-11-10T00:00:00Z" }, wall), "24 days left by the nodes' clock");
    t.false(renewalDue({ ...cp, renewCertificatesBefore: undefined }, Date.parse("2027-11-10T00:00:00Z")), "renewal off");
    t.false(renewalDue({ ...cp, role: "worker" }, Date.parse("2027-11-10T00:00:00Z")));
    t.false(renewalDue({ ...cp, certificatesExpireAt: "" }, wall), "expiry not read yet");
});

test("earliest / latest of ISO dates, empty when none", (t) => {
    t.is(earliest(["2027-03-01T00:00:00Z", undefined, "2027-01-01T00:00:00Z", ""]), "2027-01-01T00:00:00Z");
    t.is(latest(["2027-03-01T00:00:00Z", "2027-01-01T00:00:00Z"]), "2027-03-01T00:00:00Z");
    t.is(earliest([]), "");
});

test("host keys: exactly {current, pending} accepted; confirming pins the new one and marks the rotation done", (t) => {
    const [a, b] = [generateHostKey(), generateHostKey()];
    const node = { hostPublicKey: a.publicKey, hostKeyFingerprint: hostKeyFingerprint(a.publicKey), status: "ready" } as NodeRecord;
    t.deepEqual(acceptedHostKeys(node), [a.publicKey]);
    t.true(needsRotation(node), "a cloud-init key is rotated");
    node.hostPublicKeyNext = `${b.publicKey} comment`;
    t.deepEqual(acceptedHostKeys(node), [a.publicKey, b.publicKey]);
    confirmed(node, b.publicKey);
    t.deepEqual(acceptedHostKeys(node), [b.publicKey]);
    t.is(node.hostKeyFingerprint, hostKeyFingerprint(b.publicKey));
    t.false("hostPublicKeyNext" in node);
    t.true(node.hostKeyRotated);
    t.false(needsRotation(node));
    t.true(needsRotation({ ...node, hostPublicKeyNext: a.publicKey }), "an unconfirmed rotation is resumed");
    t.false(needsRotation({ ...node, hostKeyRotated: undefined, status: "pending" }), "pending nodes are bootstrapped first");
});
