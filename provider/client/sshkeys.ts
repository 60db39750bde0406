// Typed wrappers for SSH key pairs (mold-api-network.md §11). All commands are synchronous.
import type { MoldClient, Params } from "./client";

/** SSHKeyPairResponse: there is no public-key field. */
export interface SSHKeyPair {
    id?: string;
    name: string;
    account: string;
    domainid: string;
    domain: string;
    projectid?: string;
    project?: string;
    /** MD5 of the key blob, e.g. "3b:f7:0b:…". */
    fingerprint: string;
    [field: string]: unknown;
}

/** createSSHKeyPair's answer: the only time Mold hands out the private key (PEM). */
export interface CreatedSSHKeyPair extends SSHKeyPair {
    privatekey: string;
}

export async function createSSHKeyPair(client: MoldClient, name: string): Promise<CreatedSSHKeyPair> {
    const r = await client.call<{ keypair: CreatedSSHKeyPair }>("createSSHKeyPair", { name });
    return r.keypair;
}

/** Registers an OpenSSH public key (`<type> <base64> [comment]`); Mold drops the comment. */
export async function registerSSHKeyPair(client: MoldClient, name: string, publickey: string): Promise<SSHKeyPair> {
    const r = await client.call<{ keypair: SSHKeyPair }>("registerSSHKeyPair", { name, publickey });
    return r.keypair;
}

export async function deleteSSHKeyPair(client: MoldClient, name: string): Promise<void> {
    await client.call("deleteSSHKeyPair", { name });
}

export function listSSHKeyPairs(client: MoldClient, filter: Params = {}): Promise<SSHKeyPair[]> {
    return client.list<SSHKeyPair>("listSSHKeyPairs", filter, "sshkeypair");
}

/** The caller's key pair of that name, if any. */
export async function getSSHKeyPair(client: MoldClient, name: string): Promise<SSHKeyPair | undefined> {
    return (await listSSHKeyPairs(client, { name }))[0];
}
