// mold:index:SshKeyPair — one SSH key pair. With `publicKey` it is registered; without it Mold generates
// the pair and hands out the private key once (the `privateKey` output, secret). Name and public key
// replace it; nothing changes in place.
//
// Ownership: Mold cannot tag key pairs (they are not a taggable resource type), so the ownership tag
// other resources carry is impossible. Instead a key pair counts as ours only while its name AND
// fingerprint (and id, when Mold reports one) are those recorded at create: a pair of that name with
// another key is someone else's, and is never deleted or reported as ours.
import { createHash } from "crypto";
import { rowsUnlessGone } from "../client/errors";
import { createSSHKeyPair, deleteSSHKeyPair, getSSHKeyPair, listSSHKeyPairs, registerSSHKeyPair, SSHKeyPair } from "../client/sshkeys";
import type { MoldClient } from "../client/client";
import { sshKeyPairSchema } from "../generated/schema";
import type { SshKeyPairInputs, SshKeyPairOutputs } from "../generated/types";
import type { ResourceDefinition } from "../runtime/hooks";
import { Validator } from "../runtime/validate";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";

/** Key types Mold accepts at the start of a public key (SSHKeysHelper). */
const KEY_TYPES = ["ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519"];

/** `<type> <base64>` as Mold keeps it (comment dropped; material without a space is base64 of the key), or undefined. */
export function normalizePublicKey(material: string): string | undefined {
    let key = material.trim();
    if (!key.includes(" ")) key = Buffer.from(key, "base64").toString("utf8").trim();
    const [type, blob] = key.split(/\s+/);
    if (!KEY_TYPES.includes(type) || !blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) return undefined;
    return `${type} ${blob}`;
}

/** Mold's fingerprint: MD5 of the decoded key blob, lower-case hex pairs joined by ':'. */
export function fingerprintOf(publicKey: string): string {
    const blob = Buffer.from(normalizePublicKey(publicKey)?.split(" ")[1] ?? "", "base64");
    return createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
}

const looksPrivate = (s: string) => /-----BEGIN|PRIVATE KEY/.test(s);

/** The key pair a resource id stands for: by name when known (deletes go by name), else by id, else the id as a name. */
async function lookup(client: MoldClient, id: string, name: string | undefined): Promise<SSHKeyPair | undefined> {
    if (name !== undefined) return getSSHKeyPair(client, name);
    // A name given as importId is not a UUID, and a deleted pair's id names nothing: Mold refuses either (431).
    const byId = await rowsUnlessGone(listSSHKeyPairs(client, { id }));
    return byId[0] ?? (await getSSHKeyPair(client, id));
}

/** Whether the pair Mold has under our name is the one we made. */
function isOurs(k: SSHKeyPair, id: string, olds: Partial<SshKeyPairOutputs>): boolean {
    return k.fingerprint === olds.fingerprint && (!k.id || k.id === id || id === k.name);
}

export const sshKeyPair: ResourceDefinition<SshKeyPairInputs, SshKeyPairOutputs> = {
    kind: "SshKeyPair",
    inputs: sshKeyPairSchema.inputs,
    replaceOnChanges: sshKeyPairSchema.replaceOnChanges,
    handles: {
        name: "registerSSHKeyPair / createSSHKeyPair name",
        publicKey: "registerSSHKeyPair publickey; unset: createSSHKeyPair (Mold generates the pair)",
    },

    check(news) {
        const v = new Validator("SshKeyPair");
        v.string("name", news.name, { required: true });
        v.string("publicKey", news.publicKey, { maxLength: 5120, text: true });
        if (typeof news.publicKey === "string" && v.known(news.publicKey)) {
            // Never echo the value: if it is a private key, it must not end up in logs.
            if (looksPrivate(news.publicKey)) {
                v.fail("publicKey", "looks like a PRIVATE key; give the public half (e.g. the contents of ~/.ssh/id_ed25519.pub), never the private key");
            } else if (news.publicKey.trim() === "") {
                v.fail("publicKey", "must not be empty (leave it out to let Mold generate the pair)");
            } else if (!normalizePublicKey(news.publicKey)) {
                v.fail("publicKey", `is not an OpenSSH public key: expected '<type> <base64> [comment]' with type one of ${KEY_TYPES.join(", ")}`);
            }
        }
        return { inputs: news, failures: v.failures };
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const name: string = inputs.name;
        let created: SSHKeyPair & { privatekey?: string };
        if (inputs.publicKey !== undefined) {
            const fingerprint = fingerprintOf(inputs.publicKey);
            // After a lost answer: a pair of this name with this key's fingerprint is the one registered.
            const find = async () => {
                const k = await getSSHKeyPair(client, name);
                return k && k.fingerprint === fingerprint ? k : undefined;
            };
            created = await createOnce(() => registerSSHKeyPair(client, name, inputs.publicKey!), find);
        } else {
            // A generated pair whose answer was lost is useless: its private key was only in that answer.
            // So the name must be free before the first send, and a pair found under it after a lost
            // answer is ours: it is deleted and generated again.
            if (await getSSHKeyPair(client, name))
                throw new Error(`a key pair named '${name}' already exists in Mold; choose another name or adopt it with importId`);
            const discardLost = async () => {
                if (await getSSHKeyPair(client, name)) {
                    ctx.log(`the answer to createSSHKeyPair ${name} was lost with its private key; deleting the pair and generating it again`);
                    await deleteConfirmed(
                        () => deleteSSHKeyPair(client, name),
                        async () => (await getSSHKeyPair(client, name)) !== undefined,
                    );
                }
                return undefined;
            };
            created = await createOnce(() => createSSHKeyPair(client, name), discardLost);
        }
        return { id: created.id ?? created.name, outs: { fingerprint: created.fingerprint, privateKey: created.privatekey ?? "" } };
    },

    async read(ctx, id, olds) {
        const k = await lookup(ctx.client(), id, olds.name);
        // Another key under our name: ours is gone (someone deleted it and reused the name).
        if (!k || (olds.fingerprint !== undefined && !isOurs(k, id, olds))) return undefined;
        return { outs: { fingerprint: k.fingerprint, privateKey: olds.privateKey ?? "" }, inputs: { name: k.name } };
    },

    // Nothing changes in place: this runs only to finish an adoption (importId), which must match.
    async update(ctx, id, olds, news) {
        const k = await lookup(ctx.client(), id, olds.name ?? news.name);
        if (!k) throw new Error(`key pair ${id} no longer exists in Mold; run refresh`);
        if (news.publicKey !== undefined && fingerprintOf(news.publicKey) !== k.fingerprint) {
            throw new Error(
                `key pair '${k.name}' holds the key with fingerprint ${k.fingerprint}, but publicKey's is ${fingerprintOf(news.publicKey)} (changing it would need a replacement)`,
            );
        }
        return { fingerprint: k.fingerprint, privateKey: olds.privateKey ?? "" };
    },

    async delete(ctx, id, olds) {
        const client = ctx.client();
        const k = await lookup(client, id, olds.name);
        if (!k) return;
        if (!isOurs(k, id, olds)) {
            ctx.log(`key pair '${k.name}' now holds another key (fingerprint ${k.fingerprint}); ours is already gone, leaving it alone`);
            return;
        }
        await deleteConfirmed(
            () => deleteSSHKeyPair(client, k.name),
            async () => {
                const now = await getSSHKeyPair(client, k.name);
                return !!now && isOurs(now, id, olds);
            },
        );
    },
};
