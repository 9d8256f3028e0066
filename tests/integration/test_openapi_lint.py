# SPDX-License-Identifier: ISC
"""schema/openapi.yaml passes a standard OpenAPI 3 validator
(openapi-spec-validator) and a strict lint with the rules of Spectral's
"oas" ruleset plus a few of mlxd's own: unique operationIds, tags that are
defined, a success and an error response on every operation, the bearer
token of the TCP listener as a security scheme, nullable only beside a
type, enums of the declared type, examples that match their schemas, path
parameters that match the template, no unused components, and a full
schema (properties, not a bare object) for every JSON reply of /v1.

Exits 77 (skip) when the validator is not installed (`make deps`
installs it)."""
import os
import re
import sys

try:
    import yaml
    from openapi_spec_validator import validate
    from openapi_schema_validator import OAS30Validator
except ImportError:
    print("openapi-spec-validator is not installed (make deps)")
    sys.exit(77)

from harness import eq, run

ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = os.path.join(ROOT, "schema", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")
PUBLIC = {("get", "/v1/health"), ("get", "/metrics")}
# Bodies that are Ollama's own (passed through) or free-form by design.
FREE_FORM = {"/api/generate", "/api/chat", "/api/tags", "/api/ps",
             "/api/show", "/api/version", "/"}


def load():
    with open(SPEC) as f:
        return yaml.safe_load(f)


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def walk(node, where="#"):
    """Every dict in the document with its JSON pointer."""
    if isinstance(node, dict):
        yield where, node
        for k, v in node.items():
            yield from walk(v, "%s/%s" % (where, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, "%s/%d" % (where, i))


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        cur = spec
        for part in node["$ref"][2:].split("/"):
            cur = cur[part]
        node = cur
    return node


def lint(spec):
    """Problems as 'rule: where: what' strings."""
    out = []
    info = spec.get("info", {})
    for key in ("description", "contact", "license"):
        if key not in info:
            out.append("info-%s: info has no %s" % (key, key))
    if not spec.get("servers"):
        out.append("oas3-api-servers: no servers")
    tags = {t["name"]: t for t in spec.get("tags", [])}
    for name, t in tags.items():
        if not t.get("description"):
            out.append("tag-description: tag %s" % name)
    schemes = spec.get("components", {}).get("securitySchemes", {})
    if "bearerToken" not in schemes or \
            schemes["bearerToken"].get("scheme") != "bearer":
        out.append("security: no bearer scheme for the TCP listener")
    used_schemes = set()
    for req in spec.get("security", []):
        used_schemes.update(req)
    for name in schemes:
        if name not in used_schemes:
            out.append("security: scheme %s is never required" % name)

    ids = {}
    for path, method, op in operations(spec):
        where = "%s %s" % (method.upper(), path)
        oid = op.get("operationId")
        if not oid:
            out.append("operation-operationId: %s" % where)
        elif not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", oid):
            out.append("operation-operationId-valid-in-url: %s" % where)
        elif oid in ids:
            out.append("operation-operationId-unique: %s and %s"
                       % (ids[oid], where))
        else:
            ids[oid] = where
        if not op.get("summary") and not op.get("description"):
            out.append("operation-description: %s" % where)
        if not op.get("tags"):
            out.append("operation-tags: %s" % where)
        for t in op.get("tags", []):
            if t not in tags:
                out.append("operation-tag-defined: %s tag %s" % (where, t))
        codes = list(op.get("responses", {}))
        if not any(re.match(r"^[23]\d\d$", str(c)) for c in codes):
            out.append("operation-success-response: %s" % where)
        if not any(re.match(r"^4\d\d$", str(c)) for c in codes):
            out.append("operation-4xx-response: %s" % where)
        if (method, path) not in PUBLIC and "401" not in codes:
            out.append("operation-401-response: %s needs the bearer token"
                       % where)
        # path-params
        declared = {p["name"] for p in
                    (op.get("parameters", []) +
                     spec["paths"][path].get("parameters", []))
                    if resolve(spec, p).get("in") == "path"}
        templ = set(re.findall(r"\{([^}]+)\}", path))
        if declared != templ:
            out.append("path-params: %s declares %s, template has %s"
                       % (where, sorted(declared), sorted(templ)))
        for code, resp in op.get("responses", {}).items():
            resp = resolve(spec, resp)
            for mt, media in resp.get("content", {}).items():
                if "schema" not in media:
                    out.append("response-schema: %s %s %s has no schema"
                               % (where, code, mt))
                    continue
                if (mt == "application/json" and path.startswith("/v1/")
                        and str(code).startswith("2")):
                    sch = resolve(spec, media["schema"])
                    if (sch.get("type") == "object" and
                            not sch.get("properties") and
                            "additionalProperties" not in sch):
                        out.append("full-schema: %s %s is a bare object"
                                   % (where, code))

    used = set()
    for _, node in walk(spec):
        ref = node.get("$ref")
        if isinstance(ref, str):
            used.add(ref)
            if len(node) > 1:
                out.append("no-$ref-siblings: %s" % ref)
    for kind, comps in spec.get("components", {}).items():
        if kind == "securitySchemes":
            continue
        for name in comps:
            if "#/components/%s/%s" % (kind, name) not in used:
                out.append("oas3-unused-component: %s/%s" % (kind, name))

    for where, node in walk(spec):
        if "/examples" in where or where.endswith("/example"):
            continue
        if node.get("nullable") is True and "type" not in node and \
                "oneOf" not in node:
            out.append("nullable-type: %s is nullable without a type"
                       % where)
        if "enum" in node and "type" in node:
            py = {"string": str, "integer": int, "number": (int, float),
                  "boolean": bool}.get(node["type"])
            for v in node["enum"]:
                if v is None and node.get("nullable"):
                    continue
                if py is not None and not isinstance(v, py):
                    out.append("typed-enum: %s value %r is not %s"
                               % (where, v, node["type"]))
        if "example" in node and ("type" in node or "$ref" in node):
            sch = {"components": spec.get("components", {}),
                   "allOf": [{k: v for k, v in node.items()
                              if k != "example"}]}
            for e in OAS30Validator(sch).iter_errors(node["example"]):
                out.append("oas3-valid-schema-example: %s: %s"
                           % (where, e.message))
    return out


def duplicate_keys(text):
    """Mapping keys given twice in a YAML text (YAML keeps only the last,
    so a response or property written twice silently loses one)."""
    found = []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        found.extend("%s (line %d)" % (k, node.start_mark.line + 1)
                     for k in sorted(set(k for k in keys
                                         if keys.count(k) > 1), key=str))
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                           mapping)
    yaml.load(text, Loader)
    return found


def test_no_duplicate_keys(env):
    with open(SPEC) as f:
        eq(duplicate_keys(f.read()), [], "keys written twice")
    eq(duplicate_keys("a:\n  b: 1\n  b: 2\n"), ["b (line 2)"],
       "the check finds a key written twice")


def test_standard_validator(env):
    """openapi-spec-validator accepts the document."""
    validate(load())


def test_strict_lint(env):
    eq(lint(load()), [], "lint problems in schema/openapi.yaml")


def test_lint_catches_problems(env):
    """The lint itself finds what it is meant to find."""
    spec = load()
    op = spec["paths"]["/v1/status"]["get"]
    del op["operationId"]
    del op["responses"]["401"]
    spec["components"]["schemas"]["Health"]["properties"]["pid"] = {
        "nullable": True}
    spec["paths"]["/v1/metrics"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"] = {"type": "object"}
    found = {p.split(":")[0] for p in lint(spec)}
    for rule in ("operation-operationId", "operation-401-response",
                 "nullable-type", "full-schema"):
        eq(rule in found, True, "lint finds %s" % rule)


if __name__ == "__main__":
    run([test_no_duplicate_keys, test_standard_validator, test_strict_lint,
         test_lint_catches_problems])
