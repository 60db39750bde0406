// A resource monitor for the Pulumi SDK's runtime: every resource the program registers is handed to the
// engine (which drives the real dynamic-provider host) with the whole RegisterResourceRequest, so options
// such as additionalSecretOutputs, deleteBeforeReplace and dependencies are honoured.

/** Loads a module of the program's own copy of the Pulumi SDK (see Engine.sdk). */
export type SdkRequire = (module: string) => any;

export interface Registration {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    provider: string;
    dependencies: string[];
    /** Inputs as the SDK sent them: secrets carry the secret marker, unknowns (preview) are the unknown sentinel. */
    inputs: Record<string, any>;
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
}

export interface RegistrationResult {
    id: string;
    /** Outputs; secret ones carry the secret marker so the program sees them as secrets. */
    outputs: Record<string, any>;
}

export interface MonitorHandlers {
    register(r: Registration): Promise<RegistrationResult>;
    /** `Resource.get`: read an existing object by id; it is never changed or deleted. */
    read(r: Registration & { id: string }): Promise<RegistrationResult>;
    stackOutputs(urn: string, outputs: Record<string, any>): void;
}

export function makeUrn(stack: string, project: string, parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2].split("$").pop();
        qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export function createMonitor(stack: string, project: string, handlers: MonitorHandlers, sdk: SdkRequire): any {
    const { MockMonitor } = sdk("@pulumi/pulumi/runtime/mocks");
    const resproto = sdk("@pulumi/pulumi/proto/resource_pb");
    const structproto = sdk("google-protobuf/google/protobuf/struct_pb");
    const monitor = new MockMonitor({
        call: (args: { token: string }) => {
            throw new Error(`the test engine cannot invoke provider functions (${args.token})`);
        },
        newResource: () => {
            throw new Error("unreachable");
        },
    });

    monitor.registerResource = async (req: any, callback: (err: any, resp?: any) => void) => {
        try {
            const registration: Registration = {
                urn: makeUrn(stack, project, req.getParent(), req.getType(), req.getName()),
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: req.getParent(),
                provider: req.getProvider(),
                dependencies: req.getDependenciesList(),
                inputs: req.getObject()?.toJavaScript() ?? {},
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                deleteBeforeReplace: req.getDeletebeforereplace(),
                replaceOnChanges: req.getReplaceonchangesList(),
                ignoreChanges: req.getIgnorechangesList(),
            };
            const result = await handlers.register(registration);
            const resp = new resproto.RegisterResourceResponse();
            resp.setUrn(registration.urn);
            resp.setId(result.id);
            resp.setObject(structproto.Struct.fromJavaScript(result.outputs));
            callback(null, resp);
        } catch (err) {
            callback(err);
        }
    };

    monitor.readResource = async (req: any, callback: (err: any, resp?: any) => void) => {
        try {
            const registration = {
                urn: makeUrn(stack, project, req.getParent(), req.getType(), req.getName()),
                id: req.getId(),
                type: req.getType(),
                name: req.getName(),
                custom: true,
                parent: req.getParent(),
                provider: req.getProvider(),
                dependencies: req.getDependenciesList(),
                inputs: req.getProperties()?.toJavaScript() ?? {},
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                deleteBeforeReplace: false,
                replaceOnChanges: [],
                ignoreChanges: [],
            };
            const result = await handlers.read(registration);
            const resp = new resproto.ReadResourceResponse();
            resp.setUrn(registration.urn);
            resp.setProperties(structproto.Struct.fromJavaScript(result.outputs));
            callback(null, resp);
        } catch (err) {
            callback(err);
        }
    };

    monitor.registerResourceOutputs = (req: any, callback: (err: any, resp?: any) => void) => {
        try {
            const outputs = req.getOutputs()?.toJavaScript() ?? {};
            handlers.stackOutputs(req.getUrn(), outputs);
            callback(null, {});
        } catch (err) {
            callback(err);
        }
    };
    return monitor;
}
