// Host keys chosen by the provider before a VM boots: cloud-init installs them, so the provider knows the
// key to pin and the very first SSH connection is verified (no trust-on-first-use).
import { createHash } from "crypto";
import { utils as sshUtils } from "ssh2";
import { stringify } from "yaml";

export interface HostKey {
    /** OpenSSH PEM ("-----BEGIN OPENSSH PRIVATE KEY-----"). */
    privateKey: string;
    /** "ssh-ed25519 <base64>", no comment. */
    publicKey: string;
}

export function generateHostKey(): HostKey {
    const pair = generateEd25519KeyPair();
    return { privateKey: pair.private, publicKey: publicKeyTypeAndBlob(pair.public) };
}

/**
 * An ed25519 pair in OpenSSH format. ssh2's generator strips leading zero bytes from the public key, so about
 * one pair in 256 comes out malformed (the private key does not parse, the public blob is short): drawn again.
 */
export function generateEd25519KeyPair(): { private: string; public: string } {
    for (;;) {
        const pair = sshUtils.generateKeyPairSync("ed25519");
        const priv = sshUtils.parseKey(pair.private);
        const pub = sshUtils.parseKey(pair.public);
        if (priv instanceof Error || pub instanceof Error) continue;
        if (pub.getPublicSSH().length === ED25519_BLOB_BYTES && priv.getPublicSSH().equals(pub.getPublicSSH())) return pair;
    }
}

/** string "ssh-ed25519" + string of the 32-byte key. */
const ED25519_BLOB_BYTES = 4 + 11 + 4 + 32;

/** "<type> <base64>" of an OpenSSH public key line, without a comment; throws on anything else. */
export function publicKeyTypeAndBlob(publicKey: string): string {
    const [type, base64] = publicKey.trim().split(/\s+/);
    if (!type || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
        throw new Error(`not an OpenSSH public key: ${JSON.stringify(publicKey.slice(0, 80))}`);
    }
    return `${type} ${base64}`;
}

/** The wire-format key blob of an OpenSSH public key line ("type base64 [comment]"). */
export function publicKeyBlob(publicKey: string): Buffer {
    const [type, base64] = publicKeyTypeAndBlob(publicKey).split(" ");
    const blob = Buffer.from(base64, "base64");
    // The blob starts with its own type string; a mismatch means the line was pasted together wrongly.
    const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
    if (typeLength < 0 || blob.subarray(4, 4 + typeLength).toString("latin1") !== type) {
        throw new Error(`OpenSSH public key of type ${type} carries a blob of another type`);
    }
    return blob;
}

/** "SHA256:<base64 without padding>" of a key blob, as `ssh-keygen -lf` prints it. */
export function blobFingerprint(blob: Buffer): string {
    return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

export function hostKeyFingerprint(publicKey: string): string {
    return blobFingerprint(publicKeyBlob(publicKey));
}

/** A #cloud-config that installs the host key and names the host, so its SSH identity is known up front. */
export function nodeCloudConfig(opts: { hostKey: HostKey; hostname: string }): string {
    const { hostKey, hostname } = opts;
    const config = {
        hostname: hostname.split(".")[0],
        fqdn: hostname,
        preserve_hostname: false,
        // Without these cloud-init would drop the image's keys and generate fresh ones we cannot pin.
        ssh_deletekeys: true,
        ssh_genkeytypes: [] as string[],
        ssh_keys: {
            ed25519_private: hostKey.privateKey.endsWith("\n") ? hostKey.privateKey : hostKey.privateKey + "\n",
            ed25519_public: publicKeyTypeAndBlob(hostKey.publicKey),
        },
    };
    return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
