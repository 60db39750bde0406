// Certificate renewal decisions: pure, no I/O. The window is a duration ("30d"); "now" is the later of the
// provider's clock and the nodes' clock as last read (time never runs backwards, and a node's clock is the one
// its certificates are judged by).
import type { Validator } from "../runtime/validate";

const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 };
export const DAY_MS = UNIT_MS.d;
export const MIN_RENEWAL_WINDOW_MS = DAY_MS;
export const MAX_RENEWAL_WINDOW_MS = 365 * DAY_MS;

/** "30d", "2w", "36h", "1d12h" (weeks, days, hours, minutes) in ms; undefined when it is not such a duration. */
export function parseDuration(text: unknown): number | undefined {
    if (typeof text !== "string") return undefined;
    const s = text.trim();
    if (!/^(\d+[wdhm])+$/.test(s)) return undefined;
    let ms = 0;
    for (const [, n, unit] of s.matchAll(/(\d+)([wdhm])/g)) ms += Number(n) * UNIT_MS[unit];
    return Number.isSafeInteger(ms) ? ms : undefined;
}

/** renewCertificatesBefore: a duration from one day to 365 days, on a control-plane group only. */
export function checkRenewCertificatesBefore(v: Validator, value: unknown, role: unknown): void {
    if (value === undefined || value === null || !v.known(value)) return;
    if (role === "worker") {
        v.fail("renewCertificatesBefore", "applies to a control-plane group only (workers' kubelets renew their own client certificates)");
        return;
    }
    const ms = parseDuration(value);
    if (ms === undefined) {
        v.fail("renewCertificatesBefore", `must be a duration such as "30d", "2w" or "36h" (weeks, days, hours, minutes), got ${JSON.stringify(value)}`);
    } else if (ms < MIN_RENEWAL_WINDOW_MS || ms > MAX_RENEWAL_WINDOW_MS) {
        v.fail("renewCertificatesBefore", `must be from 1 day to 365 days (kubeadm's certificates live one year), got ${JSON.stringify(value)}`);
    }
}

/** The time to judge by: the provider's clock, or the nodes' clock as last read when that is later. */
export function effectiveNow(wallNow: number, nodesCheckedAt?: string): number {
    const seen = nodesCheckedAt ? Date.parse(nodesCheckedAt) : NaN;
    return Number.isFinite(seen) ? Math.max(wallNow, seen) : wallNow;
}

/** Whether certificates expiring at `expiresAt` are inside the renewal window at `now`. */
export function insideWindow(expiresAt: string | undefined, now: number, windowMs: number): boolean {
    const end = expiresAt ? Date.parse(expiresAt) : NaN;
    return Number.isFinite(end) && end - now <= windowMs;
}

/** What a group records about its certificates (its outputs and inputs as the state holds them). */
export interface CertificateState {
    role?: string;
    renewCertificatesBefore?: string | null;
    certificatesExpireAt?: string;
    certificatesCheckedAt?: string;
}

/** Whether a control-plane group's next up has certificates to renew (diff's repair rule). */
export function renewalDue(olds: CertificateState, wallNow: number): boolean {
    if (olds.role !== "control-plane") return false;
    const windowMs = parseDuration(olds.renewCertificatesBefore);
    if (windowMs === undefined) return false;
    return insideWindow(olds.certificatesExpireAt, effectiveNow(wallNow, olds.certificatesCheckedAt), windowMs);
}

/** The earliest of ISO dates ("" when there is none). */
export function earliest(dates: (string | undefined)[]): string {
    const valid = dates.filter((d): d is string => !!d && Number.isFinite(Date.parse(d)));
    return valid.sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? "";
}

/** The latest of ISO dates ("" when there is none). */
export function latest(dates: (string | undefined)[]): string {
    const valid = dates.filter((d): d is string => !!d && Number.isFinite(Date.parse(d)));
    return valid.sort((a, b) => Date.parse(b) - Date.parse(a))[0] ?? "";
}
