// The catalog a fresh simulator starts with: one zone, compute offerings of several sizes, a template,
// isolated network offerings with source NAT (the default one and the CKS one), and Kubernetes versions
// spanning consecutive minors so that upgrade rules can be exercised.
import { T } from "./model";
import { table } from "./state";
import type { BaseContext } from "./types";
import { seedDiskOfferings } from "./handlers/disk-offerings";
import { seedVpcOfferings } from "./handlers/vpc";
import { seedDefaultAclLists } from "./handlers/network-acl";

export const SEED_ZONE_NAME = "zone1";
export const SEED_TEMPLATE_NAME = "ubuntu-22.04";
/** A private (non-public, non-featured) template owned by the simulator's account, for `templatefilter` rules. */
export const SEED_PRIVATE_TEMPLATE_NAME = "debian-12-private";
export const SEED_NETWORK_OFFERING = "DefaultIsolatedNetworkOfferingWithSourceNatService";
/** Mold's name for the CKS network offering (upstream: DefaultNetworkOfferingforKubernetesService). */
export const SEED_CKS_NETWORK_OFFERING = "쿠버네테스 서비스에 대한 기본 네트워크오퍼링";

export const SEED_OFFERINGS: { name: string; cpunumber: number; memory: number; iscustomized?: boolean }[] = [
    { name: "1C-1GB", cpunumber: 1, memory: 1024 },
    { name: "2C-2GB", cpunumber: 2, memory: 2048 },
    { name: "2C-4GB", cpunumber: 2, memory: 4096 },
    { name: "4C-8GB", cpunumber: 4, memory: 8192 },
    { name: "8C-16GB", cpunumber: 8, memory: 16384 },
    { name: "Custom", cpunumber: 0, memory: 0, iscustomized: true },
];

export const SEED_KUBERNETES_VERSIONS = ["1.29.15", "1.30.11", "1.30.14", "1.31.9", "1.32.5", "1.33.1"];

const ISOLATED_SERVICES = ["Vpn", "Dhcp", "Dns", "Firewall", "Lb", "UserData", "SourceNat", "StaticNat", "PortForwarding", "Gateway"];

/** Adds the catalog once (a persisted state already has it). */
interface ServiceOfferingFields {
    name: string;
    displaytext: string;
    cpunumber?: number;
    cpuspeed?: number;
    memory?: number;
    issystem: boolean;
    defaultuse: boolean;
    systemvmtype?: string;
    iscustomized: boolean;
    dynamicscalingenabled: boolean;
}

/** A service offering row: its own fields, and the storage/HA/disk settings every seeded offering shares. */
function serviceOfferingRow(id: string, created: string, o: ServiceOfferingFields): Record<string, any> {
    return {
        id,
        name: o.name,
        state: "Active",
        displaytext: o.displaytext,
        cpunumber: o.cpunumber,
        cpuspeed: o.cpuspeed,
        memory: o.memory,
        created,
        storagetype: "shared",
        provisioningtype: "thin",
        offerha: false,
        limitcpuuse: false,
        isvolatile: false,
        issystem: o.issystem,
        defaultuse: o.defaultuse,
        ...(o.systemvmtype !== undefined ? { systemvmtype: o.systemvmtype } : {}),
        iscustomized: o.iscustomized,
        dynamicscalingenabled: o.dynamicscalingenabled,
        diskofferingstrictness: false,
        encryptroot: false,
        cacheMode: "none",
        rootdisksize: 0,
        hasannotations: false,
    };
}

export function seedCatalog(ctx: BaseContext): void {
    // Before the early return: a state persisted before ACL lists existed gets them too.
    seedDefaultAclLists(ctx);
    const zones = table(ctx.state, T.zones);
    if (Object.keys(zones).length > 0) return;
    const created = ctx.timestamp();

    const zoneId = ctx.uuid();
    zones[zoneId] = {
        id: zoneId,
        name: SEED_ZONE_NAME,
        description: "Simulated Mold zone",
        dns1: "8.8.8.8",
        internaldns1: "10.0.0.1",
        guestcidraddress: "10.1.0.0/16",
        networktype: "Advanced",
        securitygroupsenabled: false,
        allocationstate: "Enabled",
        zonetoken: ctx.uuid(),
        dhcpprovider: "VirtualRouter",
        localstorageenabled: false,
        type: "Core",
        hasannotations: false,
        tags: [],
        resourcedetails: {},
    };

    const offerings = table(ctx.state, T.serviceOfferings);
    for (const o of SEED_OFFERINGS) {
        const id = ctx.uuid();
        offerings[id] = serviceOfferingRow(id, created, {
            name: o.name,
            displaytext: o.iscustomized ? "Custom CPU and memory" : `${o.cpunumber} vCPU, ${o.memory / 1024} GB RAM`,
            cpunumber: o.iscustomized ? undefined : o.cpunumber,
            cpuspeed: o.iscustomized ? undefined : 2000,
            memory: o.iscustomized ? undefined : o.memory,
            issystem: false,
            defaultuse: false,
            iscustomized: !!o.iscustomized,
            dynamicscalingenabled: true,
        });
    }

    seedDiskOfferings(ctx, created);

    // The virtual router's system offering, which network offerings point at (`serviceofferingid`).
    const routerOfferingId = ctx.uuid();
    offerings[routerOfferingId] = serviceOfferingRow(routerOfferingId, created, {
        name: "System Offering For Software Router",
        displaytext: "System Offering For Software Router",
        cpunumber: 1,
        cpuspeed: 500,
        memory: 256,
        issystem: true,
        defaultuse: true,
        systemvmtype: "domainrouter",
        iscustomized: false,
        dynamicscalingenabled: false,
    });

    const templates = table(ctx.state, T.templates);
    const templateId = ctx.uuid();
    templates[templateId] = {
        id: templateId,
        name: SEED_TEMPLATE_NAME,
        displaytext: "Ubuntu 22.04 LTS (cloud-init)",
        ispublic: true,
        created,
        isready: true,
        passwordenabled: false,
        format: "QCOW2",
        isfeatured: true,
        crossZones: false,
        ostypeid: ctx.uuid(),
        ostypename: "Ubuntu 22.04 LTS",
        account: "system",
        zoneid: zoneId,
        zonename: SEED_ZONE_NAME,
        status: "Download Complete",
        size: 10737418240,
        templatetype: "USER",
        hypervisor: "KVM",
        domain: "ROOT",
        domainid: ctx.caller.domainid,
        isextractable: false,
        details: {},
        bits: 64,
        sshkeyenabled: true,
        isdynamicallyscalable: true,
        directdownload: false,
        deployasis: false,
        requireshvm: true,
        forcks: true,
        tags: [],
    };
    const privateTemplateId = ctx.uuid();
    templates[privateTemplateId] = {
        ...templates[templateId],
        id: privateTemplateId,
        name: SEED_PRIVATE_TEMPLATE_NAME,
        displaytext: "Debian 12 (private)",
        ispublic: false,
        isfeatured: false,
        ostypeid: ctx.uuid(),
        ostypename: "Debian GNU/Linux 12 (64-bit)",
        account: ctx.caller.name,
        size: 5368709120,
        forcks: false,
        tags: [],
    };

    const networkOfferings = table(ctx.state, T.networkOfferings);
    for (const name of [SEED_NETWORK_OFFERING, SEED_CKS_NETWORK_OFFERING]) {
        const id = ctx.uuid();
        networkOfferings[id] = {
            id,
            name,
            displaytext:
                name === SEED_NETWORK_OFFERING
                    ? "Offering for Isolated networks with Source Nat service enabled"
                    : "Network Offering used for CloudStack Kubernetes service",
            traffictype: "Guest",
            isdefault: name === SEED_NETWORK_OFFERING,
            specifyvlan: false,
            conservemode: true,
            specifyipranges: false,
            availability: name === SEED_NETWORK_OFFERING ? "Required" : "Optional",
            networkrate: 200,
            state: "Enabled",
            serviceofferingid: routerOfferingId,
            guestiptype: "Isolated",
            service: ISOLATED_SERVICES.map((s) => ({ name: s, provider: [{ name: "VirtualRouter" }] })),
            forvpc: false,
            fornsx: false,
            ispersistent: false,
            egressdefaultpolicy: true,
            supportsstrechedl2subnet: false,
            supportspublicaccess: false,
            created,
            hasannotations: false,
        };
    }

    seedVpcOfferings(ctx, created, routerOfferingId);

    const versions = table(ctx.state, T.kubernetesVersions);
    for (const semver of SEED_KUBERNETES_VERSIONS) {
        const id = ctx.uuid();
        versions[id] = {
            id,
            name: `v${semver}`,
            semanticversion: semver,
            isoid: ctx.uuid(),
            isoname: `v${semver}-Kubernetes-Binaries-ISO`,
            isostate: "Ready",
            arch: "x86_64",
            zoneid: zoneId,
            zonename: SEED_ZONE_NAME,
            supportsha: true,
            supportsautoscaling: true,
            state: "Enabled",
            mincpunumber: 2,
            minmemory: 2048,
            created,
            directdownload: false,
        };
    }
}
