// Host keys made for cloud-init: the fingerprint is the one ssh-keygen prints, and the cloud-config
// carries the exact key pair so the node's first SSH connection can be pinned.
import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { utils as sshUtils } from "ssh2";
import { parse } from "yaml";
import { generateHostKey, hostKeyFingerprint, nodeCloudConfig, publicKeyBlob } from "../../provider/ssh/host-keys";

const SSH_KEYGEN = "/usr/bin/ssh-keygen";

function tempDir(t: { teardown(fn: () => void): void }): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-hostkey-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

test("generated host keys are distinct ed25519 pairs without a comment", (t) => {
    const a = generateHostKey();
    const b = generateHostKey();
    t.not(a.publicKey, b.publicKey);
    t.regex(a.publicKey, /^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    t.regex(a.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n?$/);
    // The private key's public half is the published public key.
    const parsed = sshUtils.parseKey(a.privateKey);
    if (parsed instanceof Error) return t.fail(parsed.message);
    t.is(parsed.type, "ssh-ed25519");
    t.deepEqual(parsed.getPublicSSH(), publicKeyBlob(a.publicKey));
});

test("fingerprints equal ssh-keygen -lf for generated keys", (t) => {
    if (!fs.existsSync(SSH_KEYGEN)) {
        if (process.env.CI) return t.fail(`${SSH_KEYGEN} is missing (install openssh-client)`);
        t.log(`${SSH_KEYGEN} is missing: skipped`);
        return t.pass();
    }
    const dir = tempDir(t);
    for (let i = 0; i < 3; i++) {
        const key = generateHostKey();
        const file = path.join(dir, `key${i}.pub`);
        fs.writeFileSync(file, key.publicKey + "\n");
        // "256 SHA256:<base64> no comment (ED25519)"
        const printed = execFileSync(SSH_KEYGEN, ["-lf", file], { encoding: "utf8" }).trim().split(/\s+/)[1];
        t.regex(printed, /^SHA256:[A-Za-z0-9+/]{43}$/);
        t.is(hostKeyFingerprint(key.publicKey), printed);
        // ssh-keygen reads the private key too, and derives the same public key from it.
        const privateFile = path.join(dir, `key${i}`);
        fs.writeFileSync(privateFile, key.privateKey, { mode: 0o600 });
        const derived = execFileSync(SSH_KEYGEN, ["-y", "-f", privateFile], { encoding: "utf8" }).trim();
        t.is(derived.split(/\s+/).slice(0, 2).join(" "), key.publicKey);
    }
});

test("fingerprints of other key types and lines with comments", (t) => {
    if (!fs.existsSync(SSH_KEYGEN)) {
        if (process.env.CI) return t.fail(`${SSH_KEYGEN} is missing (install openssh-client)`);
        t.log(`${SSH_KEYGEN} is missing: skipped`);
        return t.pass();
    }
    const dir = tempDir(t);
    const file = path.join(dir, "ecdsa");
    execFileSync(SSH_KEYGEN, ["-q", "-t", "ecdsa", "-N", "", "-C", "a comment", "-f", file]);
    const line = fs.readFileSync(`${file}.pub`, "utf8");
    const printed = execFileSync(SSH_KEYGEN, ["-lf", `${file}.pub`], { encoding: "utf8" }).split(/\s+/)[1];
    t.is(hostKeyFingerprint(line), printed);
    t.throws(() => hostKeyFingerprint("ssh-ed25519"), { message: /not an OpenSSH public key/ });
    const ed = generateHostKey().publicKey.split(" ")[1];
    t.throws(() => hostKeyFingerprint(`ssh-rsa ${ed}`), { message: /blob of another type/ });
});

test("the cloud-config installs the host key and names the host", (t) => {
    const hostKey = generateHostKey();
    const text = nodeCloudConfig({ hostKey, hostname: "pm-worker-1.cluster.local" });
    t.true(text.startsWith("#cloud-config\n"));
    const config = parse(text);
    t.is(config.ssh_keys.ed25519_private.trim(), hostKey.privateKey.trim());
    t.is(config.ssh_keys.ed25519_public, hostKey.publicKey);
    t.true(config.ssh_deletekeys);
    t.deepEqual(config.ssh_genkeytypes, []);
    t.is(config.hostname, "pm-worker-1");
    t.is(config.fqdn, "pm-worker-1.cluster.local");
    t.false(config.preserve_hostname);
    // The private key survives YAML (newlines kept): ssh2 still parses it.
    const parsed = sshUtils.parseKey(config.ssh_keys.ed25519_private);
    t.false(parsed instanceof Error);

    const short = parse(nodeCloudConfig({ hostKey, hostname: "cp-0" }));
    t.is(short.hostname, "cp-0");
    t.is(short.fqdn, "cp-0");
});

test("every generated host key is usable: the private key parses and holds the full 32-byte public key (ssh2's generator drops leading zero bytes)", (t) => {
    // About one raw ssh2 pair in 256 is malformed, so 2000 draws would all but surely include some.
    for (let i = 0; i < 2000; i++) {
        const key = generateHostKey();
        const parsed = sshUtils.parseKey(key.privateKey);
        if (parsed instanceof Error) return t.fail(`key ${i}: ${parsed.message}`);
        const blob = publicKeyBlob(key.publicKey);
        if (blob.length !== 51 || !parsed.getPublicSSH().equals(blob))
            return t.fail(`key ${i}: public blob of ${blob.length} bytes does not match the private key`);
    }
    t.pass();
});
