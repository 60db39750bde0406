"""Shared bits of the interop scenarios: configuration from the environment, loopback-only guard, output."""
import ipaddress
import json
import os
import sys
from urllib.parse import urlparse

# Seeded by simulator/seed.ts (SEED_NETWORK_OFFERING).
DEFAULT_OFFERING = "DefaultIsolatedNetworkOfferingWithSourceNatService"


def config():
    """Endpoint and keys, from the variables the `cs` CLI also reads."""
    missing = [n for n in ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET") if not os.environ.get(n)]
    if missing:
        fail("missing environment: " + ", ".join(missing))
    endpoint = os.environ["CLOUDSTACK_ENDPOINT"]
    host = urlparse(endpoint).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        # The scenario only ever talks to a local simulator.
        fail("refusing to connect to a non-loopback endpoint: " + endpoint)
    # Never go through a proxy from the environment.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"
    return {
        "endpoint": endpoint,
        "key": os.environ["CLOUDSTACK_KEY"],
        "secret": os.environ["CLOUDSTACK_SECRET"],
        "method": os.environ.get("CLOUDSTACK_METHOD", "get").lower(),
        "offering": os.environ.get("MOLD_NETWORK_OFFERING", DEFAULT_OFFERING),
        "port": int(os.environ.get("MOLD_RULE_PORT", "2222")),
        "cidr": os.environ.get("MOLD_RULE_CIDR", "0.0.0.0/0"),
    }


def done(result):
    print(json.dumps(result, sort_keys=True))
    sys.exit(0)


def fail(message, **extra):
    print(json.dumps(dict(extra, ok=False, error=str(message)), sort_keys=True))
    sys.exit(1)
