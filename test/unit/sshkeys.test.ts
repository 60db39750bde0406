// SSH key pairs client↔simulator: create (a usable private key), register (validation, fingerprint as
// Mold computes it), list, delete, with Mold's error texts.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { utils as sshUtils } from "ssh2";
import { createSSHKeyPair, deleteSSHKeyPair, getSSHKeyPair, listSSHKeyPairs, MoldApiError, registerSSHKeyPair } from "../../provider/client";
import { generateRsaKeyPair, normalizePublicKey, publicKeyFingerprint } from "../../simulator/handlers/sshkeys";
import { fixturesDir } from "../helpers/fixtures";
import { withSimulator } from "../helpers/sim";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host";

test("the fingerprint is Mold's MD5 over the key blob: it reproduces the recorded fixture", (t) => {
    const recorded = JSON.parse(fs.readFileSync(path.join(fixturesDir(), "SSHService.json"), "utf8"));
    const vm = recorded.resetSSHKeyForVirtualMachine.resetSSHKeyforvirtualmachineresponse.jobresult.virtualmachine;
    const fingerprint = recorded.createSSHKeyPair.createsshkeypairresponse.keypair.fingerprint;
    t.is(publicKeyFingerprint(normalizePublicKey(vm.details["SSH.PublicKey"])!), fingerprint);
});

test("normalizePublicKey follows SSHKeysHelper: known types, base64-wrapped material, comment dropped", (t) => {
    t.is(normalizePublicKey(ED25519), ED25519.split(" ").slice(0, 2).join(" "));
    t.is(normalizePublicKey(Buffer.from(ED25519).toString("base64")), ED25519.split(" ").slice(0, 2).join(" "));
    t.is(normalizePublicKey("ssh-foo AAAA"), undefined);
    t.is(normalizePublicKey("ssh-rsa"), undefined);
    t.is(normalizePublicKey("garbage"), undefined);
});

test("createSSHKeyPair returns a PEM RSA private key whose public half has the listed fingerprint", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const kp = await createSSHKeyPair(client, "k1");
        t.regex(kp.privatekey, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/);
        t.is(kp.name, "k1");
        t.is(kp.account, "admin");
        t.regex(kp.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
        const parsed = sshUtils.parseKey(kp.privatekey);
        if (parsed instanceof Error) throw parsed;
        const pub = `ssh-rsa ${parsed.getPublicSSH().toString("base64")}`;
        t.is(publicKeyFingerprint(pub), kp.fingerprint);
        const listed = await listSSHKeyPairs(client);
        t.is(listed.length, 1);
        t.is(listed[0].fingerprint, kp.fingerprint);
        t.is(listed[0].privatekey, undefined, "the private key is only in the create answer");
        t.is(listed[0].publickey, undefined, "SSHKeyPairResponse has no public key");
        const dup = await t.throwsAsync(() => createSSHKeyPair(client, "k1"), { instanceOf: MoldApiError });
        t.is((dup as MoldApiError).errorcode, 431);
        t.is((dup as MoldApiError).cserrorcode, 4350);
        t.is((dup as MoldApiError).errortext, "A key pair with name 'k1' already exists.");
        const blank = await t.throwsAsync(() => createSSHKeyPair(client, ""), { instanceOf: MoldApiError });
        t.is((blank as MoldApiError).errortext, "Invalid value provided for API arg: name");
    } finally {
        await stop();
    }
});

test("registerSSHKeyPair validates the key, rejects duplicates by name and by key, and fingerprints it", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const own = generateRsaKeyPair("me@laptop");
        const kp = await registerSSHKeyPair(client, "mine", own.publicKey);
        t.is(kp.fingerprint, publicKeyFingerprint(own.publicKey));
        const ed = await registerSSHKeyPair(client, "ed", ED25519);
        t.is(ed.fingerprint, publicKeyFingerprint(ED25519));

        const expectError = async (fn: () => Promise<unknown>, text: string) => {
            const e = await t.throwsAsync(fn, { instanceOf: MoldApiError });
            t.is((e as MoldApiError).errorcode, 431);
            t.is((e as MoldApiError).errortext, text);
        };
        await expectError(() => registerSSHKeyPair(client, "mine", ED25519), "A key pair with name 'mine' already exists for this account.");
        const sameKeyOtherComment = ED25519.replace("user@host", "other");
        await expectError(
            () => registerSSHKeyPair(client, "ed2", sameKeyOtherComment),
            `A key pair with key '${sameKeyOtherComment}' already exists for this account.`,
        );
        await expectError(() => registerSSHKeyPair(client, "bad", "not a key"), "Public key is invalid");
        await expectError(() => registerSSHKeyPair(client, "bad", "ssh-rsa"), "Public key is invalid");
        const missing = await t.throwsAsync(() => client.call("registerSSHKeyPair", { name: "x" }), { instanceOf: MoldApiError });
        t.is((missing as MoldApiError).errortext, "Unable to execute API command registersshkeypair due to missing parameter publickey");
        const tooLong = await t.throwsAsync(() => registerSSHKeyPair(client, "long", `ssh-rsa ${"A".repeat(5200)}`), { instanceOf: MoldApiError });
        t.regex(
            (tooLong as MoldApiError).errortext,
            /^Unable to execute API command registersshkeypair due to invalid value\. Value greater than max allowed length 5120 for param: publicKey$/,
        );
    } finally {
        await stop();
    }
});

test("listSSHKeyPairs filters by name, fingerprint, keyword and id; deleteSSHKeyPair removes and reports missing names", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const a = await registerSSHKeyPair(client, "alpha", ED25519);
        await createSSHKeyPair(client, "beta");
        t.deepEqual(
            (await listSSHKeyPairs(client, { name: "alpha" })).map((k) => k.name),
            ["alpha"],
        );
        t.deepEqual(
            (await listSSHKeyPairs(client, { fingerprint: a.fingerprint })).map((k) => k.name),
            ["alpha"],
        );
        // keyword is LIKE %kw% under a case-insensitive collation.
        t.deepEqual(
            (await listSSHKeyPairs(client, { keyword: "ET" })).map((k) => k.name),
            ["beta"],
        );
        t.deepEqual(
            (await listSSHKeyPairs(client, { id: a.id })).map((k) => k.name),
            ["alpha"],
        );
        t.truthy(await getSSHKeyPair(client, "beta"));
        await deleteSSHKeyPair(client, "beta");
        t.is(await getSSHKeyPair(client, "beta"), undefined);
        t.deepEqual(await client.call("deleteSSHKeyPair", { name: "alpha" }), { success: true });
        const e = await t.throwsAsync(() => deleteSSHKeyPair(client, "alpha"), { instanceOf: MoldApiError });
        t.is((e as MoldApiError).errortext, "A key pair with name 'alpha' does not exist for account admin in specified domain id");
        t.deepEqual(await client.call("listSSHKeyPairs", {}), {});
    } finally {
        await stop();
    }
});
