// Which host key a VM presents and which client keys it accepts, from what Mold knows about the VM: its
// userdata (cloud-init's ssh_keys) and the key pairs assigned to it.
import { createHash } from "crypto";
import { ParsedKey, utils } from "ssh2";
import { parse } from "yaml";
import { generateEd25519KeyPair } from "../../provider/ssh/host-keys";
import { T } from "../model";
import type { SimState } from "../state";

const HOST_KEY_FIELDS = ["ed25519_private", "ecdsa_private", "rsa_private"];

/** Userdata already looked at (reconciles run after every request; YAML parsing is not free). */
const hostKeyCache = new Map<string, string | undefined>();

/** cloud-config `ssh_keys.<type>_private` from the VM's base64 userdata; undefined when absent or unusable. */
export function hostKeyFromUserData(userdataBase64: string | undefined): string | undefined {
    if (!userdataBase64) return undefined;
    if (hostKeyCache.has(userdataBase64)) return hostKeyCache.get(userdataBase64);
    const key = parseHostKey(userdataBase64);
    if (hostKeyCache.size > 1000) hostKeyCache.clear();
    hostKeyCache.set(userdataBase64, key);
    return key;
}

function parseHostKey(userdataBase64: string): string | undefined {
    let doc: any;
    try {
        doc = parse(Buffer.from(userdataBase64, "base64").toString("utf8"));
    } catch {
        return undefined; // not YAML (a shell script, MIME multipart): cloud-init would make its own keys
    }
    const keys = doc && typeof doc === "object" ? doc.ssh_keys : undefined;
    if (!keys || typeof keys !== "object") return undefined;
    for (const field of HOST_KEY_FIELDS) {
        const pem = keys[field];
        if (typeof pem !== "string") continue;
        const parsed = utils.parseKey(pem);
        if (!(parsed instanceof Error) && parsed.isPrivateKey()) return pem;
    }
    return undefined;
}

/**
 * The host key a VM's sshd presents: the one rotate-host-key installed (while the userdata it replaced is
 * unchanged), else the userdata's, else the one generated for a VM without.
 */
export function presentedHostKey(vm: any, node: { _hostKey?: string; _rotatedHostKey?: string; _rotatedOverUserData?: string } | undefined): string {
    if (node?._rotatedHostKey && (node._rotatedOverUserData ?? "") === String(vm?._userdata ?? "")) return node._rotatedHostKey;
    return hostKeyFromUserData(vm?._userdata) ?? node?._hostKey ?? "";
}

export function generateHostKey(): string {
    return generateEd25519KeyPair().private;
}

/** OpenSSH's SHA256 fingerprint (SHA256:<base64 without padding>) of a key's public blob. */
export function fingerprintOf(key: string | Buffer): string | undefined {
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error) return undefined;
    return "SHA256:" + createHash("sha256").update(parsed.getPublicSSH()).digest("base64").replace(/=+$/, "");
}

/** The public keys of the key pairs assigned to the VM (looked up in the VM owner's account). */
export function authorizedKeys(state: SimState, vm: any): ParsedKey[] {
    const names = String(vm.keypairs ?? "")
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n !== "");
    const pairs = Object.values(state.tables[T.sshKeyPairs] ?? {}) as any[];
    const keys: ParsedKey[] = [];
    for (const name of names) {
        const pair = pairs.find((p) => p.name === name && p.account === vm.account && p.domainid === vm.domainid);
        if (!pair?._publickey) continue;
        const parsed = utils.parseKey(String(pair._publickey));
        if (!(parsed instanceof Error)) keys.push(parsed);
    }
    return keys;
}
