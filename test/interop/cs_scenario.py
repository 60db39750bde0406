#!/usr/bin/python3
"""Scenario with the `cs` client (Debian python3-cs): list zones, create an isolated network, associate a
public IP to it, open a firewall rule on that IP and wait for the job. HMAC-SHA1, signatureVersion=3 with
expires; GET by default, POST (form body) with CLOUDSTACK_METHOD=post. Prints one JSON line."""
import sys
import time

import common

try:
    import requests
    from cs import CloudStack, CloudStackApiException, CloudStackException
except ImportError as e:  # pragma: no cover - reported by the ava test
    common.fail("python3-cs is not installed: %s" % e)


# Steps completed so far, reported on failure too.
STEPS = []


def main():
    cfg = common.config()
    session = requests.Session()
    session.trust_env = False  # no proxies, no .netrc: straight to the loopback simulator
    api = CloudStack(
        endpoint=cfg["endpoint"],
        key=cfg["key"],
        secret=cfg["secret"],
        method=cfg["method"],
        timeout=10,
        job_timeout=60,
        poll_interval=0.2,
        session=session,
    )
    steps = STEPS

    zones = api.listZones(fetch_list=True)
    steps.append("listZones")
    if not zones:
        common.fail("listZones returned no zone", steps=steps)
    zone = zones[0]

    offerings = api.listNetworkOfferings(name=cfg["offering"]).get("networkoffering", [])
    steps.append("listNetworkOfferings")
    if not offerings:
        common.fail("network offering %r not found" % cfg["offering"], steps=steps)

    network = api.createNetwork(
        name="interop-cs-%s" % cfg["method"],
        displaytext="created by test/interop/cs_scenario.py",
        zoneid=zone["id"],
        networkofferingid=offerings[0]["id"],
    )["network"]
    steps.append("createNetwork")

    ip = api.associateIpAddress(networkid=network["id"], fetch_result=True)["ipaddress"]
    steps.append("associateIpAddress")

    submitted = api.createFirewallRule(
        ipaddressid=ip["id"], protocol="tcp", startport=cfg["port"], endport=cfg["port"], cidrlist=cfg["cidr"]
    )
    steps.append("createFirewallRule")
    jobid = submitted["jobid"]
    # cs's own poller: fails on jobresultcode != 0 or jobstatus != 1.
    jobresult = api._jobresult(jobid)
    job = api.queryAsyncJobResult(jobid=jobid)
    steps.append("queryAsyncJobResult")
    rule = jobresult["firewallrule"]

    listed = api.listFirewallRules(id=rule["id"]).get("firewallrule", [])
    steps.append("listFirewallRules")

    common.done({
        "ok": True,
        "client": "cs",
        "method": cfg["method"].upper(),
        "steps": steps,
        "zone": {"id": zone["id"], "name": zone["name"]},
        "network": {"id": network["id"], "name": network["name"], "state": network.get("state"), "cidr": network.get("cidr")},
        "ip": {"id": ip["id"], "ipaddress": ip["ipaddress"], "issourcenat": ip.get("issourcenat")},
        "rule": {k: rule.get(k) for k in ("id", "protocol", "startport", "endport", "cidrlist", "ipaddressid", "state")},
        "submitted": {"id": submitted.get("id"), "jobid": jobid},
        "job": {k: job.get(k) for k in ("jobid", "jobstatus", "jobresultcode", "jobinstancetype", "jobinstanceid")},
        "listedRules": len(listed),
    })


if __name__ == "__main__":
    try:
        main()
    except (CloudStackApiException, CloudStackException) as e:
        detail = getattr(e, "error", None)
        common.fail("%s: %s" % (type(e).__name__, e), detail=detail, steps=STEPS)
    except Exception as e:  # report anything as JSON for the test
        common.fail("%s: %s" % (type(e).__name__, e), steps=STEPS)
