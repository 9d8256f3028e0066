#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""hf_sim.py: a local stand-in for the Hugging Face Hub, for tests.

Serves the parts of the Hub's HTTP interface that a downloader uses:

  GET  /api/models/{repo}/revision/{rev}[?blobs=true]   model info (sha, siblings)
  HEAD/GET /{repo}/resolve/{rev}/{path}                 file metadata / bytes
  HEAD/GET /cdn/{sha256}?sig=...                        LFS bytes (ETag, Range)

Regular files are answered by the hub itself (200, ETag = git blob sha1).
LFS files get a 302 to /cdn/... with X-Linked-Etag (sha256) and
X-Linked-Size; the Location is relative on repos with "redirect":
"relative" and absolute on the CDN host (127.0.0.2 by default, a different
loopback address so "another host" is real) otherwise. Every hub reply
carries X-Repo-Commit; errors carry X-Error-Code (RepoNotFound,
RevisionNotFound, EntryNotFound, GatedRepo) like the Hub.

Control endpoints for tests:
  POST /_sim/fault     {"kind": "none"}
                       {"kind": "drop_after", "bytes": N}  close after N body bytes
                       {"kind": "corrupt"}                 flip one body byte
                       {"kind": "slow", "chunk": N, "delay_ms": M}
                       {"kind": "status", "code": C}       answer C instead
                       optional "match": substring of the path it applies to,
                       optional "times": how many replies (default: until reset)
                       Faults apply to file bytes (CDN and hub-served files).
  GET  /_sim/requests  JSON list of every request: server ("hub"/"cdn"),
                       method, path, headers
  GET  /_sim/stats     {"bytes_served": N}: file body bytes sent (hub and
                       CDN) since the start or the last clear
  POST /_sim/clear     empty the request log and zero bytes_served

Manifest (JSON, --manifest FILE, else DIR/manifest.json, written with a
default if missing):
  {"tokens": ["hf_x"],
   "repos": {"org/name": {"gated": false, "redirect": "absolute",
       "renamed_to": null,
       "revisions": {"main": {"commit": "<40 hex, optional>",
           "files": [{"path": "config.json", "size": 500, "seed": 1,
                      "lfs": false, "missing": false}]}}}}}
File bytes are block k (32 bytes) = sha256("<seed>:<k>"), cut to size.
A "missing" file is listed in the model info but its resolve URL is 404.

Usage: hf_sim.py --root DIR [--port 0] [--manifest FILE] [--cdn-host H]
Prints "PORT n" (and "CDN http://host:port") on stdout once listening.
Stdlib only.
"""

import argparse
import hashlib
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_MANIFEST = {
    "tokens": ["hf_simtoken"],
    "repos": {
        "acme/tiny-model": {
            "redirect": "absolute",
            "revisions": {
                "main": {
                    "commit": "1111111111111111111111111111111111111111",
                    "files": [
                        {"path": "config.json", "size": 700, "seed": 1},
                        {"path": "model.safetensors", "size": 1048576 + 77,
                         "seed": 2, "lfs": True},
                    ],
                },
            },
        },
    },
}


def content(seed, size):
    """Deterministic bytes for one file."""
    out = bytearray()
    k = 0
    while len(out) < size:
        out += hashlib.sha256(("%d:%d" % (seed, k)).encode()).digest()
        k += 1
    return bytes(out[:size])


def git_sha1(data):
    h = hashlib.sha1()
    h.update(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


class State:
    def __init__(self, manifest):
        self.lock = threading.Lock()
        self.manifest = manifest
        self.tokens = set(manifest.get("tokens", []))
        self.repos = {}
        self.cdn = {}           # sha256 -> bytes
        self.log = []
        self.bytes_served = 0
        self.fault = {"kind": "none"}
        self.cdn_base = None
        for repo, spec in manifest.get("repos", {}).items():
            revs = {}
            for rev, rspec in spec.get("revisions", {}).items():
                commit = rspec.get("commit") or hashlib.sha1(
                    ("%s@%s" % (repo, rev)).encode()).hexdigest()
                files = []
                for f in rspec.get("files", []):
                    data = content(int(f.get("seed", 0)), int(f["size"]))
                    ent = dict(f)
                    ent["data"] = data
                    ent["sha256"] = hashlib.sha256(data).hexdigest()
                    ent["oid"] = git_sha1(data)
                    if f.get("lfs"):
                        ptr = ("version https://git-lfs.github.com/spec/v1\n"
                               "oid sha256:%s\nsize %d\n" %
                               (ent["sha256"], len(data))).encode()
                        ent["pointer_oid"] = git_sha1(ptr)
                        ent["pointer_size"] = len(ptr)
                        self.cdn[ent["sha256"]] = data
                    files.append(ent)
                revs[rev] = {"commit": commit, "files": files}
            self.repos[repo] = dict(spec, revs=revs)

    def find_rev(self, repo, rev):
        """(revision dict) for a branch/tag name or a commit sha."""
        r = self.repos[repo]
        if rev in r["revs"]:
            return r["revs"][rev]
        for v in r["revs"].values():
            if v["commit"] == rev:
                return v
        return None

    def take_fault(self, path):
        with self.lock:
            f = self.fault
            if f.get("kind", "none") == "none":
                return None
            if f.get("match") and f["match"] not in path:
                return None
            if "times" in f:
                f["times"] -= 1
                if f["times"] <= 0:
                    self.fault = {"kind": "none"}
            return dict(f)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hf-sim/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("hf_sim: %s\n" % (fmt % args))

    # ---- plumbing ----

    def record(self):
        st = self.server.state
        with st.lock:
            st.log.append({
                "server": self.server.role,
                "method": self.command,
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
            })

    def send(self, code, body=b"", headers=None, ctype=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_json(self, code, obj, headers=None):
        self.send(code, json.dumps(obj).encode(), headers, "application/json")

    def error(self, code, ecode, msg, headers=None):
        h = {"X-Error-Code": ecode, "X-Error-Message": msg}
        h.update(headers or {})
        self.send_json(code, {"error": msg}, h)

    def authorized(self, repo):
        if not self.server.state.repos[repo].get("gated"):
            return True
        auth = self.headers.get("Authorization", "")
        return (auth.startswith("Bearer ") and
                auth[len("Bearer "):] in self.server.state.tokens)

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b"{}"
        return json.loads(raw or b"{}")

    def split_repo(self, parts):
        """(repo, rest) for path parts starting with a repo id."""
        st = self.server.state
        if len(parts) >= 2 and "/".join(parts[:2]) in st.repos:
            return "/".join(parts[:2]), parts[2:]
        if parts and parts[0] in st.repos:
            return parts[0], parts[1:]
        return None, parts

    # ---- serving bytes with Range and faults ----

    def served(self, n):
        st = self.server.state
        with st.lock:
            st.bytes_served += n

    def serve_bytes(self, data, etag, extra=None):
        headers = {"ETag": '"%s"' % etag, "Accept-Ranges": "bytes"}
        headers.update(extra or {})
        fault = self.server.state.take_fault(self.path)
        if fault and fault["kind"] == "status":
            self.error(int(fault.get("code", 500)), "Injected",
                       "injected status")
            return
        start, code = 0, 200
        rng = self.headers.get("Range")
        if rng:
            if not rng.startswith("bytes=") or not rng.endswith("-"):
                self.send(400, b"bad range")
                return
            start = int(rng[len("bytes="):-1])
            if start >= len(data):
                headers["Content-Range"] = "bytes */%d" % len(data)
                self.send(416, b"", headers)
                return
            code = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (
                start, len(data) - 1, len(data))
        body = data[start:]
        if fault and fault["kind"] == "corrupt" and body:
            i = len(body) // 2
            body = body[:i] + bytes([body[i] ^ 0x5a]) + body[i + 1:]
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault and fault["kind"] == "drop_after":
            n = int(fault.get("bytes", 0))
            self.wfile.write(body[:n])
            self.served(len(body[:n]))
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault and fault["kind"] == "slow":
            chunk = max(1, int(fault.get("chunk", 65536)))
            delay = float(fault.get("delay_ms", 50)) / 1000.0
            try:
                for i in range(0, len(body), chunk):
                    self.wfile.write(body[i:i + chunk])
                    self.served(len(body[i:i + chunk]))
                    self.wfile.flush()
                    time.sleep(delay)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        try:
            self.wfile.write(body)
            self.served(len(body))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # ---- routes ----

    def do_HEAD(self):
        self.route()

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.record()
        st = self.server.state
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_sim/fault":
            f = self.body_json()
            with st.lock:
                st.fault = f if f.get("kind") else {"kind": "none"}
            self.send_json(200, {"ok": True})
        elif path == "/_sim/clear":
            with st.lock:
                st.log = []
                st.bytes_served = 0
            self.send_json(200, {"ok": True})
        else:
            self.send(404, b"not found")

    def route(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/_sim/requests":
            with st.lock:
                log = list(st.log)
            self.send_json(200, log)
            return
        if u.path == "/_sim/stats":
            with st.lock:
                stats = {"bytes_served": st.bytes_served}
            self.send_json(200, stats)
            return
        self.record()
        parts = [urllib.parse.unquote(p) for p in u.path.split("/")[1:]]
        if self.server.role == "cdn" or (parts and parts[0] == "cdn"):
            self.route_cdn(parts)
        elif len(parts) >= 2 and parts[:2] == ["api", "models"]:
            self.route_info(u, parts[2:])
        else:
            self.route_resolve(parts)

    def route_cdn(self, parts):
        st = self.server.state
        if len(parts) != 2 or parts[0] != "cdn" or parts[1] not in st.cdn:
            self.send(404, b"no such object")
            return
        self.serve_bytes(st.cdn[parts[1]], parts[1])

    def route_info(self, u, parts):
        st = self.server.state
        repo, rest = self.split_repo(parts)
        if repo is None:
            self.error(401 if self.headers.get("Authorization") is None
                       else 404, "RepoNotFound", "Repository not found")
            return
        if len(rest) == 0:
            rev = "main"
        elif rest[0] == "revision" and len(rest) >= 2:
            rev = "/".join(rest[1:])
        else:
            self.send(404, b"not found")
            return
        new = st.repos[repo].get("renamed_to")
        if new:
            self.send(307, b"", {"Location": "/api/models/%s/revision/%s%s" % (
                new, urllib.parse.quote(rev, safe=""),
                "?" + u.query if u.query else "")})
            return
        if not self.authorized(repo):
            self.error(401, "GatedRepo",
                       "Access to model %s is restricted." % repo)
            return
        r = st.find_rev(repo, rev)
        if r is None:
            self.error(404, "RevisionNotFound", "Invalid rev id: %s" % rev)
            return
        blobs = "blobs=true" in u.query
        sib = []
        for f in r["files"]:
            e = {"rfilename": f["path"]}
            if blobs:
                if f.get("lfs"):
                    e["size"] = len(f["data"])
                    e["blobId"] = f["pointer_oid"]
                    e["lfs"] = {"sha256": f["sha256"],
                                "size": len(f["data"]),
                                "pointerSize": f["pointer_size"]}
                else:
                    e["size"] = len(f["data"])
                    e["blobId"] = f["oid"]
            sib.append(e)
        self.send_json(200, {"_id": "sim", "id": repo, "modelId": repo,
                             "sha": r["commit"], "private": False,
                             "gated": "manual" if st.repos[repo].get("gated")
                             else False,
                             "siblings": sib})

    def route_resolve(self, parts):
        st = self.server.state
        repo, rest = self.split_repo(parts)
        if repo is None:
            self.error(401 if self.headers.get("Authorization") is None
                       else 404, "RepoNotFound", "Repository not found")
            return
        if len(rest) < 3 or rest[0] != "resolve":
            self.send(404, b"not found")
            return
        new = st.repos[repo].get("renamed_to")
        if new:
            loc = "/%s/resolve/%s/%s" % (
                new, urllib.parse.quote(rest[1], safe=""),
                "/".join(urllib.parse.quote(p, safe="") for p in rest[2:]))
            self.send(307, b"", {"Location": loc})
            return
        if not self.authorized(repo):
            self.error(401, "GatedRepo",
                       "Access to model %s is restricted." % repo)
            return
        r = st.find_rev(repo, rest[1])
        if r is None:
            self.error(404, "RevisionNotFound", "Invalid rev id: %s" % rest[1])
            return
        path = "/".join(rest[2:])
        common = {"X-Repo-Commit": r["commit"]}
        f = next((x for x in r["files"] if x["path"] == path), None)
        if f is None or f.get("missing"):
            self.error(404, "EntryNotFound", "Entry not found", common)
            return
        if not f.get("lfs"):
            self.serve_bytes(f["data"], f["oid"], common)
            return
        if st.repos[repo].get("redirect") == "relative":
            loc = "/cdn/%s?sig=sim" % f["sha256"]
        else:
            loc = "%s/cdn/%s?sig=sim" % (st.cdn_base, f["sha256"])
        common.update({
            "Location": loc,
            "ETag": '"%s"' % f["pointer_oid"],
            "X-Linked-Etag": '"%s"' % f["sha256"],
            "X-Linked-Size": str(len(f["data"])),
        })
        self.send(302, b"", common)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--cdn-host", default="127.0.0.2")
    ap.add_argument("--manifest")
    ap.add_argument("--lifetime", type=float, default=900,
                    help="exit after this many seconds")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    os.makedirs(a.root, exist_ok=True)
    mpath = a.manifest or os.path.join(a.root, "manifest.json")
    if not os.path.exists(mpath):
        with open(mpath, "w") as fp:
            json.dump(DEFAULT_MANIFEST, fp, indent=1)
    with open(mpath) as fp:
        state = State(json.load(fp))

    servers = []
    for role, host, port in (("hub", a.host, a.port),
                             ("cdn", a.cdn_host, 0)):
        s = Server((host, port), Handler)
        s.role = role
        s.state = state
        s.verbose = a.verbose
        servers.append(s)
    hub, cdn = servers
    state.cdn_base = "http://%s:%d" % (a.cdn_host, cdn.server_address[1])
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("PORT %d" % hub.server_address[1], flush=True)
    print("CDN %s" % state.cdn_base, flush=True)

    # Exit with the parent (a crashed test must not leave us behind).
    ppid = os.getppid()
    deadline = time.monotonic() + a.lifetime
    while os.getppid() == ppid and time.monotonic() < deadline:
        time.sleep(0.5)
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
