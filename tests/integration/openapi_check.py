# SPDX-License-Identifier: ISC
"""Check replies against schema/openapi.yaml.

harness.py calls check_reply() for every reply an integration test
receives; a reply whose status is not described for its operation, or
whose JSON body does not match the described schema, fails the test.
Needs PyYAML and openapi-schema-validator (`make deps` installs them);
without them available() is False and nothing is checked (the lint test
then exits 77 so the gap shows).
"""
import os
import re

ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC_PATH = os.path.join(ROOT, "schema", "openapi.yaml")

try:
    import yaml
    from openapi_schema_validator import OAS30Validator, oas30_format_checker
    _HAVE = True
except ImportError:  # pragma: no cover - depends on the machine
    _HAVE = False

_spec = None
_routes = None


def available():
    return _HAVE


def spec():
    global _spec, _routes
    if _spec is None:
        with open(SPEC_PATH) as f:
            _spec = yaml.safe_load(f)
        _routes = []
        for path in _spec["paths"]:
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+",
                              re.escape(path)) + "$"
            # Literal segments win over templated ones (compare vs {id}).
            _routes.append((path.count("{"), re.compile(rx), path))
        _routes.sort(key=lambda r: r[0])
    return _spec


def find_operation(method, path):
    """(template, operation) for a request path, or (None, None)."""
    s = spec()
    path = path.split("?", 1)[0]
    for _, rx, tmpl in _routes:
        if rx.match(path):
            op = s["paths"][tmpl].get(method.lower())
            if op is not None:
                return tmpl, op
    return None, None


def check_reply(method, path, status, ctype, body):
    """None when the reply matches the description, else what is wrong.

    body is the decoded JSON (or None when the reply was not JSON)."""
    if not _HAVE:
        return None
    tmpl, op = find_operation(method, path)
    if op is None:
        # Unrouted paths and methods answer the router's 404/405; 403
        # and 413 come before routing, whatever the path.
        if status in (403, 404, 405, 413):
            return None
        return "%s %s -> %d: not described" % (method, path, status)
    responses = op.get("responses", {})
    resp = responses.get(str(status)) or responses.get("default")
    if resp is None:
        return ("%s %s -> %d: status not described for %s (has %s)"
                % (method, path, status, tmpl, sorted(responses)))
    while "$ref" in resp:
        node = spec()
        for part in resp["$ref"][2:].split("/"):
            node = node[part]
        resp = node
    ctype = (ctype or "").split(";")[0].strip()
    if ctype != "application/json" or body is None:
        return None
    content = resp.get("content", {})
    media = content.get("application/json")
    if media is None:
        return ("%s %s -> %d: JSON reply but %s describes %s"
                % (method, path, status, tmpl, sorted(content) or "no body"))
    schema = media.get("schema")
    if schema is None:
        return None
    root = {"components": spec().get("components", {}), "allOf": [schema]}
    errors = sorted(OAS30Validator(
        root, format_checker=oas30_format_checker).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        return ("%s %s -> %d: body does not match %s at %s: %s"
                % (method, path, status, tmpl, where, e.message[:300]))
    return None
