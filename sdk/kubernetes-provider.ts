// A ready @pulumi/kubernetes Provider for a Mold-managed cluster, built on the cluster's kubeconfig output.
// The cluster publishes a kubeconfig only once Mold reports it Running and its API answered /healthz, so a
// provider made here (and every Kubernetes resource using it) waits for that gate. In preview the kubeconfig
// is unknown, and so is the provider's configuration: Pulumi skips the Kubernetes resources' real checks.
//
// @pulumi/kubernetes is an optional peer dependency (about 24 MB): only types are imported here, and the module
// is loaded when a provider is asked for, so programs that only make networks never need it installed.
import * as pulumi from "@pulumi/pulumi";
import type { Provider as KubernetesProvider, ProviderArgs as KubernetesProviderArgs } from "@pulumi/kubernetes/provider";

/** The install command named in the error when @pulumi/kubernetes is missing. */
export const KUBERNETES_INSTALL_HINT = "npm install @pulumi/kubernetes";

/**
 * @pulumi/kubernetes's Provider class, loaded on first use (only its provider module: loading the whole package
 * would cost seconds). `load` exists for tests. A missing package gets an error naming it and how to install it.
 */
export function loadKubernetesProviderClass(load: (id: string) => any = require): typeof KubernetesProvider {
    const id = "@pulumi/kubernetes/provider";
    try {
        return load(id).Provider;
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        // Only the package itself missing, not a module it fails to load in turn.
        if (err?.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${id}'`)) {
            throw new Error(
                `pulumi-mold: a Kubernetes provider needs the package @pulumi/kubernetes, which is not installed ` +
                    `(it is an optional peer dependency of pulumi-mold): run \`${KUBERNETES_INSTALL_HINT}\` in your program's folder`,
                { cause: e },
            );
        }
        throw e;
    }
}

/** What the helper needs from a cluster: a resource with a (secret) kubeconfig output. `KubernetesCluster` fits. */
export type KubeconfigSource = pulumi.CustomResource & {
    kubeconfig: pulumi.Input<string | undefined>;
    /** Used only in the error when the cluster has no kubeconfig. */
    state?: pulumi.Input<string | undefined>;
};

export interface KubernetesProviderOptions extends Omit<
    KubernetesProviderArgs,
    "kubeconfig" | "clusterIdentifier" | "context" | "cluster" | "renderYamlToDirectory" | "alwaysRender"
> {
    /** The provider's Pulumi name; default `<cluster name>-k8s`. */
    name?: string;
    /** Options of the Provider resource; `dependsOn` is extended with the cluster. */
    resourceOptions?: pulumi.CustomResourceOptions;
}

/** The cluster resource's Pulumi name (not Mold's), from its URN once known; only a default name needs it. */
function logicalName(cluster: pulumi.Resource): string | undefined {
    // Resource keeps its name in an internal field; fall back to the caller's name when it is absent.
    const n = (cluster as unknown as { __name?: unknown }).__name;
    return typeof n === "string" && n ? n : undefined;
}

/** The kubeconfig, or an error saying why there is none (an empty one would make the provider use ~/.kube/config). */
export function requireKubeconfig(config: string | undefined, state: string | undefined, urn: string): string {
    if (!config) {
        throw new Error(
            `pulumi-mold: ${urn} has no kubeconfig (state ${state ?? "unknown"}): a Kubernetes provider needs a Running cluster ` +
                `whose API answered its health check`,
        );
    }
    return config;
}

/** Default providers per cluster, so `kubernetesProvider(c)` and `c.provider` are the same resource. */
const defaults = new WeakMap<KubeconfigSource, KubernetesProvider>();

/**
 * A `@pulumi/kubernetes` Provider for `cluster`, configured with its kubeconfig (a secret) and depending on
 * the cluster, so that it exists only after the cluster is Running and its API server answered a health
 * check. Pass it as `{ provider }` to Deployments, Services, Helm releases…
 *
 * `clusterIdentifier` is the cluster's Mold id: a kubeconfig that changes (certificates reissued, a new
 * endpoint) updates the provider instead of replacing every Kubernetes resource; a replaced cluster replaces them.
 *
 * A cluster without a kubeconfig (desiredState "stopped", say) fails the deployment with a message instead of
 * letting the provider fall back to the ambient ~/.kube/config, which would target some other cluster.
 */
export function kubernetesProvider(cluster: KubeconfigSource, opts: KubernetesProviderOptions = {}): KubernetesProvider {
    // Without options the provider is the cluster's one and only default provider (also `cluster.provider`):
    // a second one would collide on its name.
    if (Object.keys(opts).length === 0) {
        let made = defaults.get(cluster);
        if (!made) defaults.set(cluster, (made = makeProvider(cluster, opts)));
        return made;
    }
    return makeProvider(cluster, opts);
}

function makeProvider(cluster: KubeconfigSource, opts: KubernetesProviderOptions): KubernetesProvider {
    const Provider = loadKubernetesProviderClass();
    const { name, resourceOptions, ...args } = opts;
    const providerName = name ?? `${logicalName(cluster) ?? "mold-cluster"}-k8s`;
    const kubeconfig = pulumi.all([cluster.kubeconfig, cluster.state, cluster.urn]).apply(([config, state, urn]) => requireKubeconfig(config, state, urn));
    const given = resourceOptions?.dependsOn;
    const dependsOn: pulumi.Input<pulumi.Resource>[] = given === undefined ? [] : Array.isArray(given) ? [...given] : [given as pulumi.Input<pulumi.Resource>];
    return new Provider(
        providerName,
        {
            ...args,
            kubeconfig: pulumi.secret(kubeconfig),
            clusterIdentifier: cluster.id,
        },
        {
            ...resourceOptions,
            dependsOn: [...dependsOn, cluster],
        },
    );
}
