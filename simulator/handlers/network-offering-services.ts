// service[] of a NetworkOfferingResponse (ApiResponseHelper.createNetworkOfferingResponse): every service but
// Gateway, each with its providers; Lb, SourceNat and StaticNat also carry capability[] built from the
// offering's flags (dedicated LB, elastic LB/IP, inline mode, shared source NAT, redundant router, associate
// public IP). canchooseservicecapability is a primitive boolean there, so it is always present.

interface OfferingService {
    name: string;
    provider?: { name: string }[];
}

/** Offering flags behind the capabilities; an offering without them has CloudStack's defaults. */
interface OfferingFlags {
    _dedicatedlb?: boolean;
    _elasticlb?: boolean;
    _inline?: boolean;
    _sharedsourcenat?: boolean;
    _redundantrouter?: boolean;
    _elasticip?: boolean;
    _associatepublicip?: boolean;
}

const cap = (name: string, value: boolean | string) => ({ name, value: String(value), canchooseservicecapability: false });

function capabilities(service: string, o: OfferingFlags): ReturnType<typeof cap>[] | undefined {
    switch (service) {
        case "Lb":
            return [
                cap("SupportedLBIsolation", (o._dedicatedlb ?? true) ? "dedicated" : "shared"),
                cap("ElasticLb", o._elasticlb ?? false),
                cap("InlineMode", o._inline ?? false),
            ];
        case "SourceNat":
            return [cap("SupportedSourceNatTypes", o._sharedsourcenat ? "perzone" : "peraccount"), cap("RedundantRouter", o._redundantrouter ?? false)];
        case "StaticNat":
            return [cap("ElasticIp", o._elasticip ?? false), cap("AssociatePublicIP", o._associatepublicip ?? false)];
        default:
            return undefined;
    }
}

export function renderOfferingServices(offering: OfferingFlags & { service?: OfferingService[] }): Record<string, any>[] {
    return (offering.service ?? [])
        .filter((s) => s.name !== "Gateway")
        .map((s) => {
            const caps = capabilities(s.name, offering);
            return { name: s.name, provider: (s.provider ?? []).map((p) => ({ name: p.name })), ...(caps ? { capability: caps } : {}) };
        });
}
