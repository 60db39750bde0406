// SSH key pairs (mold-api-network.md §11): createSSHKeyPair, registerSSHKeyPair, deleteSSHKeyPair,
// listSSHKeyPairs. Mirrors provider/client/sshkeys.ts.
import { createHash, generateKeyPairSync } from "crypto";
import { invalidParam } from "../errors";
import { matchesKeyword, ownerFields, render, T } from "../model";
import { listIdFilter } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

/** Key types SSHKeysHelper accepts at the start of a public key. */
const KEY_TYPES = ["ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519"];

/** RSA key length Mold uses (`ssh.key.length`, default 2048). */
const KEY_BITS = 2048;

/**
 * SSHKeysHelper.getPublicKeyFromKeyMaterial: decodes Base64 material without a space, requires a
 * known type prefix and a space, and keeps only "<type> <base64>" (the comment is dropped).
 * Returns undefined where Mold returns null.
 */
export function normalizePublicKey(material: string): string | undefined {
    let key = material;
    if (!key.includes(" ")) key = Buffer.from(key, "base64").toString("utf8");
    if (!KEY_TYPES.some((t) => key.startsWith(t)) || !key.includes(" ")) return undefined;
    const parts = key.split(" ");
    if (parts.length < 2) return undefined;
    return `${parts[0]} ${parts[1]}`;
}

/** SSHKeysHelper.getPublicKeyFingerprint: MD5 of the decoded key blob as lower-case hex pairs joined by ':'. */
export function publicKeyFingerprint(publicKey: string): string {
    const blob = Buffer.from(publicKey.split(" ")[1] ?? "", "base64");
    const hex = createHash("md5").update(blob).digest("hex");
    return hex.match(/../g)!.join(":");
}

/** SSH wire encoding of a string or an mpint (RFC 4251 §5). */
function sshString(data: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, data]);
}
function sshMpint(unsigned: Buffer): Buffer {
    // A set high bit would make the number negative: prefix a zero byte.
    return sshString(unsigned[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), unsigned]) : unsigned);
}

/** A fresh RSA key pair: PKCS#1 PEM private key (as JSch writes it) and its OpenSSH public key. */
export function generateRsaKeyPair(comment: string): { privateKey: string; publicKey: string } {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: KEY_BITS, publicExponent: 65537 });
    const jwk = publicKey.export({ format: "jwk" });
    const blob = Buffer.concat([sshString(Buffer.from("ssh-rsa")), sshMpint(Buffer.from(jwk.e!, "base64url")), sshMpint(Buffer.from(jwk.n!, "base64url"))]);
    return {
        privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
        publicKey: `ssh-rsa ${blob.toString("base64")} ${comment}`,
    };
}

function keyPairsOfCaller(ctx: BaseContext): any[] {
    return Object.values(table(ctx.state, T.sshKeyPairs)).filter((k: any) => k.account === ctx.caller.name && k.domainid === ctx.caller.domainid);
}

/** The caller's key pair of that name (exact match), if any. */
export function findKeyPair(ctx: BaseContext, name: string): Record<string, any> | undefined {
    return keyPairsOfCaller(ctx).find((k) => k.name === name);
}

/** The public key stored for a key pair of the caller; used by VM deploy and resetSSHKey. */
export function publicKeyOf(ctx: BaseContext, name: string): string | undefined {
    return findKeyPair(ctx, name)?._publickey;
}

function storeKeyPair(ctx: BaseContext, name: string, publicKey: string): Record<string, any> {
    const id = ctx.uuid();
    const record = {
        id,
        name,
        ...ownerFields(ctx),
        fingerprint: publicKeyFingerprint(publicKey),
        _publickey: publicKey,
    };
    // SSHKeyPairResponse has no domainpath.
    delete (record as any).domainpath;
    table(ctx.state, T.sshKeyPairs)[id] = record;
    return record;
}

const createSSHKeyPair: CommandSpec = {
    name: "createSSHKeyPair",
    handle(ctx) {
        // Binding already rejects a blank name ("Invalid value provided for API arg: name"); Mold's own
        // check below is kept for names the binder lets through.
        const name = ctx.params.required("name");
        if (name.trim() === "") throw invalidParam("Please specify a valid name for the key pair. The key name can't be empty");
        if (findKeyPair(ctx, name)) throw invalidParam(`A key pair with name '${name}' already exists.`);
        const keys = generateRsaKeyPair(name);
        const record = storeKeyPair(ctx, name, normalizePublicKey(keys.publicKey)!);
        return { object: "keypair", value: { ...render(record), privatekey: keys.privateKey } };
    },
};

const registerSSHKeyPair: CommandSpec = {
    name: "registerSSHKeyPair",
    handle(ctx) {
        const name = ctx.params.required("name");
        const material = ctx.params.required("publickey", 5120);
        if (findKeyPair(ctx, name)) throw invalidParam(`A key pair with name '${name}' already exists for this account.`);
        const publicKey = normalizePublicKey(material);
        // The duplicate check compares the normalized key but quotes the key as sent.
        if (publicKey && keyPairsOfCaller(ctx).some((k) => k._publickey === publicKey)) {
            throw invalidParam(`A key pair with key '${material}' already exists for this account.`);
        }
        if (!publicKey) throw invalidParam("Public key is invalid");
        const record = storeKeyPair(ctx, name, publicKey);
        ctx.event({ type: "REGISTER.SSH.KEYPAIR", description: `registering ssh keypair ${name}`, resourceId: record.id, resourceType: "SshKeyPair" });
        return { object: "keypair", value: render(record) };
    },
};

const deleteSSHKeyPair: CommandSpec = {
    name: "deleteSSHKeyPair",
    handle(ctx) {
        const name = ctx.params.required("name");
        const record = findKeyPair(ctx, name);
        if (!record) throw invalidParam(`A key pair with name '${name}' does not exist for account ${ctx.caller.name} in specified domain id`);
        delete table(ctx.state, T.sshKeyPairs)[record.id];
        return { success: true };
    },
};

const listSSHKeyPairs: CommandSpec = {
    name: "listSSHKeyPairs",
    handle(ctx) {
        const p = ctx.params;
        const one = listIdFilter(ctx, "id", T.sshKeyPairs);
        const name = p.str("name");
        const fingerprint = p.str("fingerprint");
        const keyword = p.str("keyword");
        const items = keyPairsOfCaller(ctx)
            .filter((k) => (!one || k.id === one) && (!name || k.name === name) && (!fingerprint || k.fingerprint === fingerprint))
            .filter((k) => matchesKeyword(keyword, k.name, k.fingerprint))
            .map((k) => render(k));
        return { list: "sshkeypair", items };
    },
};

export const commands: CommandSpec[] = [createSSHKeyPair, registerSSHKeyPair, deleteSSHKeyPair, listSSHKeyPairs];
export const jobs: Record<string, JobCompleter> = {};
