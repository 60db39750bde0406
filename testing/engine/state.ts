// The engine's stack state: a JSON file, so up, refresh and destroy can run as separate processes.
// Secrets are stored encrypted, never as plaintext.
import * as fs from "fs";
import * as path from "path";
import { SecretsCipher } from "./secrets";

export interface ResourceState {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    id: string;
    parent: string;
    /** "" for the default provider, else the explicit provider's `urn::id`. */
    provider: string;
    dependencies: string[];
    inputs: Record<string, any>;
    outputs: Record<string, any>;
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
    /** Set when a create or update failed after the object existed (a partial failure). */
    initErrors?: string[];
    /** The old object of a create-before-delete replace, still to be deleted (Pulumi's `delete: true`). */
    delete?: boolean;
    /** Read with `Resource.get`: an existing object this stack references but never changes or deletes. */
    external?: boolean;
    /** A resource of a provider this engine cannot run (e.g. @pulumi/kubernetes), recorded as declared. */
    recordedWithoutPlugin?: boolean;
}

export interface StackState {
    version: 1;
    project: string;
    stack: string;
    config: Record<string, any>;
    resources: ResourceState[];
    outputs: Record<string, any>;
}

export class StateStore {
    readonly cipher: SecretsCipher;
    constructor(readonly file: string) {
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        this.cipher = new SecretsCipher(file);
    }

    load(project: string, stack: string): StackState {
        if (!fs.existsSync(this.file)) return { version: 1, project, stack, config: {}, resources: [], outputs: {} };
        return this.cipher.open(JSON.parse(fs.readFileSync(this.file, "utf8"))) as StackState;
    }

    /** Writes the state (atomically: a temporary file renamed); returns its size in bytes. */
    save(state: StackState): number {
        const tmp = `${this.file}.tmp`;
        const text = JSON.stringify(this.cipher.seal(state), null, 1);
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, this.file);
        return text.length;
    }
}
