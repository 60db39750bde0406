// Host-key rotation: the key cloud-init installed travels in Mold's user data (readable by whoever can read the
// VM's user data, a pod through the metadata service included), so after the first pinned connection each
// node's key is replaced by a fresh one generated here and sent only inside the step script. The state holds
// only public halves. Resumable: the new public key is recorded (hostPublicKeyNext) before the node switches,
// and connections accept exactly {current, pending} until the switch is confirmed.
import type { GroupContext } from "./group";
import type { NodeRecord } from "./plan";
import { generateHostKey, hostKeyFingerprint, publicKeyTypeAndBlob } from "../ssh/host-keys";

/** A ready node whose cloud-init key was not replaced yet, or whose rotation is unconfirmed. */
export function needsRotation(n: { status: string; hostKeyRotated?: boolean; hostPublicKeyNext?: string }): boolean {
    return n.status === "ready" && (n.hostKeyRotated !== true || !!n.hostPublicKeyNext);
}

/** The host keys a connection to the node accepts: its pinned key and, during a rotation, the pending one. */
export function acceptedHostKeys(n: Pick<NodeRecord, "hostPublicKey" | "hostPublicKeyNext">): string[] {
    const keys = [n.hostPublicKey, ...(n.hostPublicKeyNext ? [n.hostPublicKeyNext] : [])].map(publicKeyTypeAndBlob);
    return [...new Set(keys)];
}

/** The node pinned to `key` from now on, the rotation done. */
export function confirmed(n: NodeRecord, key: string): void {
    n.hostPublicKey = publicKeyTypeAndBlob(key);
    n.hostKeyFingerprint = hostKeyFingerprint(key);
    delete n.hostPublicKeyNext;
    n.hostKeyRotated = true;
}

/**
 * Rotates the host key of every node that needs it, all nodes at once: each rotation touches only its own node
 * (its sshd, its own connection; a group's jump hosts belong to another group or are a bastion), so one at a
 * time only added a connection and a step per node to a group's create (20 workers: ~8 s of a ~20 s create).
 * Every rotation settles before a failure is reported, naming each failing node.
 */
export async function rotateHostKeys(g: GroupContext): Promise<void> {
    const failed = (await Promise.allSettled(g.state.nodes.filter(needsRotation).map((node) => rotateOne(g, node)))).filter(
        (r): r is PromiseRejectedResult => r.status === "rejected",
    );
    if (failed.length === 1) throw failed[0].reason;
    if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message).join("; "));
}

async function rotateOne(g: GroupContext, node: NodeRecord): Promise<void> {
    if (node.hostPublicKeyNext) {
        // A previous run was cut: the node presents either key; which one tells whether the switch happened.
        const presented = await g.fleet.runner(node).presentedHostKey();
        g.fleet.forget(node.name);
        if (presented === publicKeyTypeAndBlob(node.hostPublicKeyNext)) {
            confirmed(node, node.hostPublicKeyNext);
            g.ctx.log(`${node.name}: host key rotation confirmed (${node.hostKeyFingerprint})`);
            return;
        }
        // Still the old key: the pending one was never installed (its private half is gone); start again.
        delete node.hostPublicKeyNext;
    }
    const key = generateHostKey();
    // Recorded before the node switches: a run cut from here on is resumed above.
    node.hostPublicKeyNext = key.publicKey;
    g.fleet.forget(node.name);
    const { results } = await g.fleet.runner(node).run("rotate-host-key", {
        PM_HOST_KEY: Buffer.from(key.privateKey, "utf8").toString("base64"),
        PM_HOST_PUBLIC_KEY: key.publicKey,
    });
    if (results["host-key"] !== key.publicKey)
        throw new Error(`${node.name}: rotate-host-key reported host key ${results["host-key"] ?? "(none)"}, not the new one`);
    g.fleet.forget(node.name);
    confirmed(node, key.publicKey);
    g.ctx.log(`${node.name}: host key rotated to ${node.hostKeyFingerprint}; the key in Mold's user data is no longer accepted`);
}
