// The simulator enforces the limits pulumi-mold's check enforces, with Mold's texts and codes, so a program
// (or a test) that skips the check meets Mold's refusal: sent with the client directly, no check involved.
import test from "ava";
import { createTags, MoldJobError } from "../../provider/client";
import { apiError, inWorld } from "../helpers/network-world";

const tooLong = (cmd: string, max: number, field: string) =>
    `Unable to execute API command ${cmd} due to invalid value. Value greater than max allowed length ${max} for param: ${field}`;

test(
    "STRING parameters longer than their length: 431, cserrorcode 9999, the Java field named",
    inWorld(async (t, w) => {
        const base = { zoneid: w.zoneId, networkofferingid: w.offeringId };
        await apiError(t, w.client.call("createNetwork", { ...base, name: "n".repeat(256) }), 431, 9999, tooLong("createnetwork", 255, "name"));
        await apiError(
            t,
            w.client.call("createNetwork", { ...base, name: "n", displaytext: "d".repeat(256) }),
            431,
            9999,
            tooLong("createnetwork", 255, "displayText"),
        );
        // 255 is allowed: the limit is inclusive.
        const ok = await w.client.call<any>("createNetwork", { ...base, name: "n".repeat(255) });
        t.is(ok.network.name.length, 255);
        await apiError(t, w.client.call("createSSHKeyPair", { name: "k".repeat(256) }), 431, 9999, tooLong("createsshkeypair", 255, "name"));

        const n = await w.newNetwork();
        const ip = await w.newIp(n.id);
        const lb = { publicipid: ip.id, algorithm: "roundrobin", publicport: 80, privateport: 8080 };
        await apiError(
            t,
            w.client.call("createLoadBalancerRule", { ...lb, name: "w".repeat(256) }),
            431,
            9999,
            tooLong("createloadbalancerrule", 255, "loadBalancerRuleName"),
        );
        await apiError(
            t,
            w.client.call("createLoadBalancerRule", { ...lb, name: "w", description: "d".repeat(4097) }),
            431,
            9999,
            tooLong("createloadbalancerrule", 4096, "description"),
        );

        const vm = { zoneid: w.zoneId, templateid: w.templateId, serviceofferingid: w.serviceOfferingId, networkids: [n.id] };
        await apiError(
            t,
            w.client.call("deployVirtualMachine", { ...vm, displayname: "d".repeat(256) }),
            431,
            9999,
            tooLong("deployvirtualmachine", 255, "displayName"),
        );
    }),
);

test(
    "host names, user data, ICMP fields and INTEGER overflow are refused with Mold's texts",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const vm = { zoneid: w.zoneId, templateid: w.templateId, serviceofferingid: w.serviceOfferingId, networkids: [n.id] };
        // A 256-character host name fails the host-name validator (which runs before the length check).
        const nameError = await t.throwsAsync(w.client.call("deployVirtualMachine", { ...vm, name: "a".repeat(256) }));
        t.regex((nameError as Error).message, /must be between 1 and 63 characters long/);
        // vm.userdata.max.length (default 32768) counts base64 characters.
        const big = Buffer.from("x".repeat(24_600)).toString("base64");
        t.is(big.length, 32_800);
        await apiError(t, w.client.call("deployVirtualMachine", { ...vm, userdata: big }), 431, 4350, "User data has exceeded configurable max length: 32768");

        const ip = await w.newIp(n.id);
        const icmp = { ipaddressid: ip.id, protocol: "icmp" };
        await apiError(t, w.client.call("createFirewallRule", { ...icmp, icmptype: 256 }), 431, 4350, "Invalid icmp type; should belong to [0-255] range");
        await apiError(
            t,
            w.client.call("createFirewallRule", { ...icmp, icmptype: 3, icmpcode: 16 }),
            431,
            4350,
            "Invalid icmp code; should belong to [0-15] range and can be defined when icmpType belongs to [0-40] range",
        );
        await apiError(
            t,
            w.client.call("createEgressFirewallRule", { networkid: n.id, protocol: "icmp", icmptype: -2 }),
            431,
            4350,
            "Invalid icmp type; should belong to [0-255] range",
        );
        await apiError(
            t,
            w.client.call("createFirewallRule", { ipaddressid: ip.id, protocol: "tcp", startport: 2147483648 }),
            431,
            4350,
            "Unable to execute API command createfirewallrule due to invalid value 2147483648 for parameter startport",
        );
    }),
);

test(
    "networks: a non-contiguous netmask and a gateway on the network or broadcast address are refused",
    inWorld(async (t, w) => {
        const base = { name: "n", zoneid: w.zoneId, networkofferingid: w.offeringId };
        await apiError(t, w.client.call("createNetwork", { ...base, gateway: "10.9.0.1", netmask: "255.0.255.0" }), 431, 4350, "Invalid netmask");
        for (const gateway of ["10.9.0.0", "10.9.0.255"]) {
            await apiError(
                t,
                w.client.call("createNetwork", { ...base, gateway, netmask: "255.255.255.0" }),
                431,
                4350,
                "Invalid gateway IP provided. Either the IP is broadcast or network IP.",
            );
        }
    }),
);

test(
    "tag keys and values longer than Mold's 255-character columns fail the createTags job",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        for (const tags of [{ team: "t".repeat(256) }, { ["k".repeat(256)]: "v" }]) {
            const e = await t.throwsAsync(createTags(w.client, "Network", [n.id], tags));
            t.true(e instanceof MoldJobError, String(e));
            t.is((e as MoldJobError).errorcode, 530);
            t.regex((e as MoldJobError).errortext, /^Data truncation: Data too long for column '(key|value)' at row 1$/);
        }
        await createTags(w.client, "Network", [n.id], { team: "t".repeat(255) });
        t.pass();
    }),
);
