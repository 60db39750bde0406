// Every handler module; simulator/handlers/<concept>.ts mirrors provider/client/<concept>.ts.
import type { HandlerModule } from "../types";
import * as address from "./address";
import * as affinity from "./affinity";
import * as asyncjobs from "./asyncjobs";
import * as catalog from "./catalog";
import * as diskOfferings from "./disk-offerings";
import * as events from "./events";
import * as firewall from "./firewall";
import * as host from "./host";
import * as ipForwarding from "./ip-forwarding";
import * as kubernetes from "./kubernetes";
import * as loadbalancer from "./loadbalancer";
import * as network from "./network";
import * as networkAcl from "./network-acl";
import * as nic from "./nic";
import * as portforward from "./portforward";
import * as privateGateway from "./private-gateway";
import * as sshkeys from "./sshkeys";
import * as staticNat from "./static-nat";
import * as staticRoute from "./static-route";
import * as tags from "./tags";
import * as vm from "./vm";
import * as volume from "./volume";
import * as vpc from "./vpc";

export const HANDLER_MODULES: HandlerModule[] = [
    asyncjobs,
    events,
    tags,
    catalog,
    diskOfferings,
    affinity,
    host,
    vpc,
    network,
    address,
    ipForwarding,
    staticNat,
    firewall,
    portforward,
    loadbalancer,
    networkAcl,
    privateGateway,
    staticRoute,
    vm,
    nic,
    volume,
    sshkeys,
    kubernetes,
];
