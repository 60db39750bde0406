// Pulumi's wire form of secrets, and their encryption at rest in the engine's state file.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "crypto";
import * as fs from "fs";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecret(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG && "value" in (v as object);
}

export function wrapSecret(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** Removes secret markers deeply (the dynamic host accepts no secrets), remembering top-level secret keys. */
export function stripSecrets(value: Record<string, any> | undefined): { plain: Record<string, any>; secretKeys: Set<string> } {
    const secretKeys = new Set<string>();
    const plain: Record<string, any> = {};
    for (const [k, v] of Object.entries(value ?? {})) {
        if (containsSecret(v)) secretKeys.add(k);
        plain[k] = unwrapDeep(v);
    }
    return { plain, secretKeys };
}

function unwrapDeep(v: any): any {
    if (isSecret(v)) return unwrapDeep(v.value);
    if (Array.isArray(v)) return v.map(unwrapDeep);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapDeep(x)]));
    return v;
}

export function containsSecret(v: unknown): boolean {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

/** Marks the given top-level keys secret (the engine's annotateSecrets plus additionalSecretOutputs). */
export function markSecrets(props: Record<string, any>, keys: Iterable<string>): Record<string, any> {
    const out = { ...props };
    for (const k of keys) if (k in out && !isSecret(out[k])) out[k] = wrapSecret(out[k]);
    return out;
}

/** AES-256-GCM with a key from PULUMI_CONFIG_PASSPHRASE, or a key file beside the state file. */
export class SecretsCipher {
    private readonly key: Buffer;
    constructor(stateFile: string, passphrase = process.env.PULUMI_CONFIG_PASSPHRASE) {
        if (passphrase) {
            this.key = scryptSync(passphrase, "pulumi-mold-test-engine", 32);
        } else {
            const keyFile = `${stateFile}.key`;
            if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
            this.key = Buffer.from(fs.readFileSync(keyFile, "utf8"), "base64");
        }
    }

    encrypt(value: unknown): Record<string, string> {
        const iv = randomBytes(12);
        const cipher = createCipheriv("aes-256-gcm", this.key, iv);
        const data = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
        return { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64") };
    }

    decrypt(sealed: Record<string, string>): unknown {
        const raw = Buffer.from(sealed.ciphertext, "base64");
        const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"));
    }

    /** Ciphertext per secret marker object: the state is saved many times in a run, its secrets encrypted once. */
    private readonly sealed = new WeakMap<object, Record<string, string>>();

    /**
     * Replaces every secret marker with its ciphertext, deeply. Copies only what holds a secret and returns the
     * rest as it is: the state is sealed at every save, and a full copy of a large state was the biggest garbage.
     */
    seal(v: any): any {
        if (isSecret(v)) {
            let sealed = this.sealed.get(v);
            if (!sealed) this.sealed.set(v, (sealed = this.encrypt(v.value)));
            return sealed;
        }
        if (Array.isArray(v)) {
            let out: any[] | undefined;
            v.forEach((x, i) => {
                const sealed = this.seal(x);
                if (sealed !== x) (out ??= [...v])[i] = sealed;
            });
            return out ?? v;
        }
        if (v && typeof v === "object") {
            let out: Record<string, any> | undefined;
            for (const k in v) {
                const sealed = this.seal(v[k]);
                if (sealed !== v[k]) (out ??= { ...v })[k] = sealed;
            }
            return out ?? v;
        }
        return v;
    }

    /** Turns ciphertexts back into secret markers, deeply. */
    open(v: any): any {
        if (v && typeof v === "object" && v[SIG_KEY] === SECRET_SIG && typeof v.ciphertext === "string") return wrapSecret(this.decrypt(v));
        if (Array.isArray(v)) return v.map((x) => this.open(x));
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.open(x)]));
        return v;
    }
}
