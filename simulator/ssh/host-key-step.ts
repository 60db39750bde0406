// rotate-host-key on an emulated node: the provider's new host key replaces the cloud-init one, as the step
// script writes /etc/ssh/ssh_host_ed25519_key and reloads sshd. The SSH manager then presents it (keys.ts).
import { utils } from "ssh2";
import { fail, ok, result, StepHandler } from "./node-state";
import { presentedHostKey } from "./keys";

const typeAndBlob = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ");

export const rotateHostKey: StepHandler = (ctx) => {
    const { env, node, vm } = ctx;
    const want = typeAndBlob(env.PM_HOST_PUBLIC_KEY ?? "");
    if (!env.PM_HOST_KEY) return fail(1, "bash: line 12: PM_HOST_KEY: PM_HOST_KEY is required");
    if (!want) return fail(1, "bash: line 13: PM_HOST_PUBLIC_KEY: PM_HOST_PUBLIC_KEY is required");
    const current = utils.parseKey(presentedHostKey(vm, node));
    if (!(current instanceof Error) && `${current.type} ${current.getPublicSSH().toString("base64")}` === want) {
        return ok(result("host-key", want) + result("rotated", "already"), false);
    }
    const pem = Buffer.from(env.PM_HOST_KEY, "base64").toString("utf8");
    const parsed = utils.parseKey(pem);
    if (parsed instanceof Error || !parsed.isPrivateKey()) return fail(255, `Load key "${"/etc/ssh/.pulumi-mold-rotate/key"}": invalid format`);
    if (`${parsed.type} ${parsed.getPublicSSH().toString("base64")}` !== want)
        return fail(1, "error: PM_HOST_KEY is not the private half of PM_HOST_PUBLIC_KEY");
    node._rotatedHostKey = pem;
    node._rotatedOverUserData = String(vm._userdata ?? "");
    node.hostKeyRotations = (node.hostKeyRotations ?? 0) + 1;
    return ok(result("host-key", want) + result("rotated", "done"));
};
