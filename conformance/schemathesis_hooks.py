"""Schemathesis hooks for `cargo xtask conformance`.

The exported JSON Schema cannot state one request rule: a public host (`x-public-host`,
e.g. APIXO's `callback_url`). Schemathesis would otherwise send schema-valid URLs that no
provider accepts (hosts with tabs, loopback IPs) and report the rejection as a mismatch.
For the fields named in HH_PUBLIC_URL_FIELDS (dotted JSON paths, comma-separated), an
https URL that is not confidently public is replaced by a public one. Values that do not
start with https:// are left alone, so negative tests of the pattern still run.
"""

import ipaddress
import os
import re

import schemathesis

FIELDS = [p.split(".") for p in os.environ.get("HH_PUBLIC_URL_FIELDS", "").split(",") if p]
PUBLIC = "https://hooks.example.com/schemathesis"
LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
HOSTNAME = re.compile(rf"^(?:{LABEL}\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?$")


def is_public(url: str) -> bool:
    rest = url[len("https://"):]
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    if "@" in authority or not authority:
        return False
    host, _, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
    if port and not port.isdigit():
        return False
    if host.startswith("[") and host.endswith("]"):
        try:
            return ipaddress.ip_address(host[1:-1]).is_global
        except ValueError:
            return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    host = host.lower().rstrip(".")
    return bool(HOSTNAME.match(host)) and host != "localhost" and not host.endswith(".localhost")


@schemathesis.hook
def map_body(context, body):
    if not isinstance(body, dict):
        return body
    for path in FIELDS:
        parent = body
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            value = parent.get(path[-1])
            if isinstance(value, str) and value.startswith("https://") and not is_public(value):
                parent[path[-1]] = PUBLIC
    return body
