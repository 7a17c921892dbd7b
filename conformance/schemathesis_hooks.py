"""Schemathesis hooks for `cargo xtask conformance`.

The exported JSON Schema cannot state two request rules. A base64 data URI's media type,
encoding and decoded size (`x-data-uri`, e.g. Modellix i2v's `first_frame_image`): for the
fields named in HH_DATA_URI_FIELDS (`dotted.path=type|type`, comma-separated), a value
that starts with `data:` but is not a well-formed base64 data URI of those types is
replaced by a small valid one; values that do not start with `data:` are left alone, so
negative tests of the URL pattern still run. And a public host (`x-public-host`,
e.g. APIXO's `callback_url`). Schemathesis would otherwise send schema-valid URLs that no
provider accepts (hosts with tabs, loopback IPs) and report the rejection as a mismatch.
For the fields named in HH_PUBLIC_URL_FIELDS (dotted JSON paths, comma-separated), an
https URL that is not confidently public is replaced by a public one. Values that do not
start with https:// are left alone, so negative tests of the pattern still run.
"""

import base64
import binascii
import ipaddress
import os
import re

import schemathesis

FIELDS = [p.split(".") for p in os.environ.get("HH_PUBLIC_URL_FIELDS", "").split(",") if p]
DATA_FIELDS = [
    (p.split("=", 1)[0].split("."), p.split("=", 1)[1].split("|"))
    for p in os.environ.get("HH_DATA_URI_FIELDS", "").split(",")
    if "=" in p
]
PUBLIC = "https://hooks.example.com/schemathesis"
LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
HOSTNAME = re.compile(rf"^(?:{LABEL}\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?$")


def is_public(url: str) -> bool:
    rest = url[len("https://"):]
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    if "@" in authority or not authority:
        return False
    host, colon, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
    if colon and not port.isdigit():
        # `https://data:` has an empty port: no URL parser takes it as a public host.
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


def is_data_uri(value: str, types) -> bool:
    meta, sep, payload = value[len("data:"):].partition(",")
    parts = meta.split(";")
    mime = parts[0].lower()
    if not sep or "/" not in mime or mime.split("/")[0] not in types:
        return False
    if not any(p.lower() == "base64" for p in parts[1:]):
        return False
    try:
        base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


@schemathesis.hook
def map_body(context, body):
    return fix_body(body)


@schemathesis.hook
def map_case(context, case):
    # The coverage phase builds its cases without the body hooks: the same fixes here.
    if isinstance(case.body, dict):
        case.body = fix_body(case.body)
    return case


def fix_body(body):
    if not isinstance(body, dict):
        return body
    for path, types in DATA_FIELDS:
        parent = body
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            value = parent.get(path[-1])
            if isinstance(value, str) and value.startswith("data:") and not is_data_uri(value, types):
                parent[path[-1]] = f"data:{types[0]}/png;base64,iVBORw0KGgo="
    for path in FIELDS:
        parent = body
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            value = parent.get(path[-1])
            if isinstance(value, str) and value.startswith("https://") and not is_public(value):
                parent[path[-1]] = PUBLIC
    return body
