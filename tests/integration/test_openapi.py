# SPDX-License-Identifier: ISC
"""schema/openapi.yaml and the router agree: every route is described and
every described path and method is routed; and replies carry the
properties the description marks as required."""
import os
import re
import subprocess

from harness import MLXD, check, eq, run, wait_for

ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = os.path.join(ROOT, "schema", "openapi.yaml")
METHODS = ("get", "post", "put", "patch", "delete", "head")


def spec_routes():
    """(METHOD, path) pairs from the paths: section (2-space YAML)."""
    routes = set()
    in_paths = False
    path = None
    for line in open(SPEC):
        if re.match(r"^\S", line):
            in_paths = line.startswith("paths:")
            continue
        if not in_paths:
            continue
        m = re.match(r"^  (/\S*):\s*$", line)
        if m:
            path = m.group(1)
            continue
        m = re.match(r"^    (\w+):\s*$", line)
        if m and path and m.group(1) in METHODS:
            routes.add((m.group(1).upper(), path))
    return routes


def spec_required(schema):
    """The required list of a component schema (top level only)."""
    lines = open(SPEC).read().splitlines()
    start = lines.index("    %s:" % schema)
    req = []
    for line in lines[start + 1:]:
        if re.match(r"^    \S", line):
            break
        m = re.match(r"^      required: \[(.*)\]", line)
        if m:
            req = [x.strip() for x in m.group(1).split(",")]
            break
    check(req, "schema %s has a required list" % schema)
    return req


def router_routes():
    out = subprocess.run([MLXD, "--routes"], capture_output=True,
                         check=True).stdout.decode()
    routes = set()
    for line in out.splitlines():
        parts = line.split()
        if "undocumented" in parts:
            continue
        routes.add((parts[0], parts[1]))
    return routes


def test_routes_match(env):
    spec, router = spec_routes(), router_routes()
    check(len(router) >= 5, "router lists routes")
    eq(sorted(router - spec), [], "routes missing from openapi.yaml")
    eq(sorted(spec - router), [], "described but not routed")


def test_docs_mention_every_route(env):
    """docs/api.md (or docs/cache.md for /v1/cache) names every route."""
    api = open(os.path.join(ROOT, "docs", "api.md")).read()
    cache = open(os.path.join(ROOT, "docs", "cache.md")).read()
    missing = []
    for method, path in sorted(router_routes()):
        doc = cache if path.startswith("/v1/cache") else api
        if path not in doc:
            missing.append("%s %s" % (method, path))
    eq(missing, [], "routes missing from the docs")


def test_replies_match(env):
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5,
             "models")
    model = sim.request("GET", "/api/tags")[1]["models"][0]["name"]
    sim.load(model)
    wait_for(lambda: env.get("/v1/models/running")["models"], 3, "loaded")
    for path, schema in (("/v1/health", "Health"), ("/v1/status", "Status"),
                         ("/v1/models", "ModelList"),
                         ("/v1/models/running", "RunningList"),
                         ("/v1/config", "Config")):
        body = env.get(path)
        for key in spec_required(schema):
            check(key in body, "%s lacks %s" % (path, key))
    st = env.get("/v1/status")
    for key in spec_required("Error"):
        check(key in env.request("GET", "/v1/x")[2], "error lacks " + key)
    for m in st["ollama"]["running"] + env.get("/v1/models")["models"]:
        for key in spec_required("ModelCommon"):
            check(key in m, "model lacks %s" % key)


if __name__ == "__main__":
    run([test_routes_match, test_docs_mention_every_route,
         test_replies_match])
