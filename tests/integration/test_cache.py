# SPDX-License-Identifier: ISC
"""The model cache end to end: real stores built in the test's temp dir (an
Ollama tree with manifests and blobs named by their true sha256, a Hugging
Face cache with blobs, snapshots and refs, an LM Studio tree), identical
files across them, same-size different files, partial downloads, a symlink
loop and an unreadable folder. Checks the index, the duplicate report and
its wasted bytes, hard-link dedup reclaiming bytes with every file reading
back unchanged, clone refusing on a filesystem without reflinks (and, as
root, cloning for real on a loop-mounted XFS image), clean (dry run, then
for real), ollama://, file:// and hf:// adds (against tests/hfsim), remove
refusing for a linked app, cancel, mlxctl's cache commands, and kill -9 at
random points of a real dedup, 20 times and more, losing nothing."""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import time

from harness import Failure, Skip, check, eq, run, wait_for

KIB = 1024
CONFIG = "cache:\n  min_size_bytes: 65536\n"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def gguf(rng, size):
    """Bytes that look like a GGUF file (magic first), random after."""
    return b"GGUF" + rng.randbytes(size - 4)


def write(path, data, mtime=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


class World:
    """Model stores as Ollama, huggingface_hub and LM Studio write them."""

    def __init__(self, env, seed=5, root=None, home=None):
        self.env = env
        self.rng = random.Random(seed)
        self.root = root or os.path.join(env.dir, "world")
        self.home = home or env.base_env["HOME"]
        self.ollama = os.path.join(self.root, "ollama")
        self.hf_home = os.path.join(self.root, "hf")
        self.hub = os.path.join(self.hf_home, "hub")
        self.lms = os.path.join(self.home, ".lmstudio", "models")
        self.extra_env = {
            "HOME": self.home,
            "OLLAMA_MODELS": self.ollama,
            "HF_HOME": self.hf_home,
            "HF_HUB_CACHE": self.hub,
        }
        self.hashes = {}    # every model file we wrote -> its sha256

    def keep(self, path):
        self.hashes[path] = sha256_file(path)

    def ollama_blob(self, data):
        digest = hashlib.sha256(data).hexdigest()
        path = os.path.join(self.ollama, "blobs", "sha256-" + digest)
        if not os.path.exists(path):
            write(path, data)
            self.keep(path)
        return digest, path

    def ollama_model(self, name, tag, layers):
        cfg = json.dumps({"model_format": "gguf"}).encode()
        cd, _ = self.ollama_blob(cfg)
        man = {"schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution."
                            "manifest.v2+json",
               "config": {"mediaType": "application/vnd.docker.container."
                                       "image.v1+json",
                          "digest": "sha256:" + cd, "size": len(cfg)},
               "layers": []}
        for media, data in layers:
            d, _ = self.ollama_blob(data)
            man["layers"].append({"mediaType": media,
                                  "digest": "sha256:" + d,
                                  "size": len(data)})
        write(os.path.join(self.ollama, "manifests", "registry.ollama.ai",
                           "library", name, tag),
              json.dumps(man).encode())

    def hf_repo(self, repo, revisions, refs):
        """revisions: {commit: {path: data}}; refs: {name: commit}."""
        rdir = os.path.join(self.hub, "models--" + repo.replace("/", "--"))
        for commit, files in revisions.items():
            for rel, data in files.items():
                if len(data) >= 65536:
                    etag = hashlib.sha256(data).hexdigest()
                else:
                    etag = hashlib.sha1(b"blob %d\0" % len(data) +
                                        data).hexdigest()
                blob = os.path.join(rdir, "blobs", etag)
                if not os.path.exists(blob):
                    write(blob, data)
                    self.keep(blob)
                link = os.path.join(rdir, "snapshots", commit, rel)
                os.makedirs(os.path.dirname(link), exist_ok=True)
                depth = rel.count("/")
                os.symlink("../../" + "../" * depth + "blobs/" + etag, link)
        for name, commit in refs.items():
            write(os.path.join(rdir, "refs", name), commit.encode())
        return rdir

    def lmstudio(self, rel, data):
        path = os.path.join(self.lms, rel)
        write(path, data)
        self.keep(path)
        return path

    def build(self):
        r = self.rng
        self.A = gguf(r, 300 * KIB)          # in all three stores
        self.B = gguf(r, 400 * KIB)          # qwen's weights
        self.C = gguf(r, 300 * KIB)          # same size as A, different
        self.D = self.A[:-1] + bytes([self.A[-1] ^ 1])  # differs at the end
        self.P = gguf(r, 200 * KIB)          # a vision projector
        self.E = gguf(r, 150 * KIB)          # an orphaned Ollama blob
        self.F = gguf(r, 250 * KIB)          # only a detached revision
        self.sha_a = hashlib.sha256(self.A).hexdigest()
        self.sha_b = hashlib.sha256(self.B).hexdigest()
        self.ollama_model("llama3.2", "latest", [
            ("application/vnd.ollama.image.model", self.A),
            ("application/vnd.ollama.image.projector", self.P),
            ("application/vnd.ollama.image.params", b'{"temperature":0}')])
        self.ollama_model("qwen", "7b", [
            ("application/vnd.ollama.image.model", self.B)])
        _, self.orphan = self.ollama_blob(self.E)
        old = time.time() - 3 * 86400
        self.ollama_partial = os.path.join(
            self.ollama, "blobs", "sha256-" + "ab" * 32 + "-partial")
        write(self.ollama_partial, r.randbytes(70 * KIB), mtime=old)
        self.c1, self.c0 = "1" * 40, "0" * 40
        self.hf_alpha = self.hf_repo("org/alpha", {
            self.c1: {"model.gguf": self.A, "config.json": b'{"a":1}'},
            self.c0: {"old.gguf": self.F},
        }, {"main": self.c1})
        self.hf_blob_a = os.path.join(self.hf_alpha, "blobs", self.sha_a)
        self.hf_incomplete = os.path.join(self.hf_alpha, "blobs",
                                          "ffff.incomplete")
        write(self.hf_incomplete, r.randbytes(80 * KIB), mtime=old)
        self.lms_a = self.lmstudio("pub/alpha-GGUF/alpha.gguf", self.A)
        self.lmstudio("pub/other-GGUF/c.gguf", self.C)
        self.lmstudio("pub/delta-GGUF/d.gguf", self.D)
        os.symlink("..", os.path.join(self.lms, "pub", "loop"))
        self.locked = os.path.join(self.lms, "locked")
        os.makedirs(os.path.join(self.locked, "m"))
        write(os.path.join(self.locked, "m", "x.gguf"), b"GGUF")
        os.chmod(self.locked, 0)

    def check_intact(self, skip=()):
        """Every file still present with the bytes it was written with."""
        for path, digest in self.hashes.items():
            if path in skip:
                continue
            check(os.path.exists(path), "%s is missing" % path)
            eq(sha256_file(path), digest, "content of %s" % path)

    def temps(self):
        """mlxd's temp names left anywhere in the world."""
        out = []
        for d, dirs, files in os.walk(self.root):
            out += [os.path.join(d, f) for f in files if ".mlxd-tmp-" in f]
        for d, dirs, files in os.walk(self.home):
            out += [os.path.join(d, f) for f in files if ".mlxd-tmp-" in f]
        return out

    def cleanup(self):
        try:
            os.chmod(self.locked, 0o755)
        except OSError:
            pass


def start(env, world, config=CONFIG, **kw):
    return env.daemon(config=config, extra_env=world.extra_env, **kw)


def wait_job(env, job, timeout=60):
    def done():
        j = env.get("/v1/jobs/" + job)
        return j if j["state"] != "running" else None
    return wait_for(done, timeout, "job %s to end" % job, interval=0.05)


def post_job(env, path, body=None, status=202):
    st, _, b = env.request("POST", path, body=body if body is not None
                           else {})
    eq(st, status, "POST %s -> %r" % (path, b))
    return b


def run_job(env, path, body=None, state="done", timeout=60):
    b = post_job(env, path, body)
    j = wait_job(env, b["job"], timeout)
    eq(j["state"], state, "job %s: %r" % (b["job"], j.get("error")))
    return j["result"]


def synced(env):
    """Wait for the start-up scan, then rescan (the world may have
    changed since)."""
    # The status has no cache section until the cache service started.
    wait_for(lambda: not env.get("/v1/status").get(
        "cache", {"scanning": True})["scanning"], 30, "the start-up scan")
    return run_job(env, "/v1/cache/sync")


def models_by_ref(env):
    return {m["ref"]: m for m in env.get("/v1/cache")["models"]}


def test_index(env):
    w = World(env)
    w.build()
    try:
        start(env, w)
        res = synced(env)
        kinds = sorted(s["kind"] for s in res["stores"] if s["present"])
        eq(kinds, ["hf", "lmstudio", "ollama"], "stores found")
        idx = env.get("/v1/cache")
        refs = {m["ref"]: m for m in idx["models"]}
        for ref in ("ollama:llama3.2:latest", "ollama:qwen:7b",
                    "hf:org/alpha@" + w.c1, "hf:org/alpha@" + w.c0,
                    "lmstudio:pub/alpha-GGUF", "lmstudio:pub/other-GGUF",
                    "lmstudio:pub/delta-GGUF"):
            check(ref in refs, "%s indexed: %s" % (ref, sorted(refs)))
        llama = refs["ollama:llama3.2:latest"]
        eq(llama["store"], "ollama", "store")
        eq(llama["store_path"], os.path.realpath(w.ollama), "store path")
        check(llama["size_bytes"] >= len(w.A) + len(w.P), "size")
        check("ollama" in llama["apps"], "Ollama uses its model")
        eq(refs["hf:org/alpha@" + w.c0]["detached"], True, "detached rev")
        eq(refs["hf:org/alpha@" + w.c1]["refs"], "main", "refs")
        msgs = " ".join(x["message"] for x in idx["warnings"])
        check("loop" in msgs or "visited" in msgs,
              "symlink loop warned: %s" % msgs)
        if os.geteuid() != 0:
            check("cannot read" in msgs, "unreadable dir warned: " + msgs)
        st = env.get("/v1/status")["cache"]
        eq(st["models"], len(idx["models"]), "status models")
        check(st["files"] >= 10 and st["logical_bytes"] > 0, "status: %r"
              % st)
        check(st["last_scan_at"], "last scan time")
        stats = env.get("/v1/cache/stats")
        eq(stats["files"], st["files"], "stats files")
        check(stats["logical_bytes"] > 0 and stats["physical_bytes"] > 0,
              "stats: %r" % stats)
        eq(stats["unique_bytes"], stats["logical_bytes"],
           "no hard links yet")
        cfg = env.get("/v1/cache/config")
        eq(cfg["dedup_methods"], ["clone"], "default methods")
        eq(cfg["min_size_bytes"], 65536, "min size from the config file")
        eq(cfg["scan_on_start"], True, "scan on start")
        eq(cfg["dir"], os.path.join(env.data, "models"), "default dir")
    finally:
        w.cleanup()


def group_of(res, sha):
    for g in res["groups"]:
        if g["sha256"] == sha:
            return g
    raise Failure("no group for %s in %r" % (sha, res["groups"]))


def test_duplicates_and_hardlink(env):
    w = World(env)
    w.build()
    try:
        start(env, w)
        synced(env)
        res = run_job(env, "/v1/cache/dedup", {})
        eq(res["dry_run"], True, "dry run by default")
        eq(len(res["groups"]), 1, "one group of identical files: %r"
           % [g["sha256"] for g in res["groups"]])
        g = group_of(res, w.sha_a)
        paths = sorted(m["path"] for m in g["members"])
        eq(paths, sorted([os.path.realpath(p) for p in (
            os.path.join(w.ollama, "blobs", "sha256-" + w.sha_a),
            w.hf_blob_a, w.lms_a)]), "the three copies of A")
        eq(g["copies"], 3, "three copies")
        eq(g["wasted_bytes"], 2 * len(w.A), "wasted bytes")
        eq(res["wasted_bytes"], 2 * len(w.A), "total wasted")
        # Same size as A: C and D were sampled; only the LM Studio copy
        # of A (no digest in its name) was read in full, compared with
        # its named twin.
        eq(res["files_hashed"] + res["files_compared"], 1,
           "only the unknown copy is read in full")
        digests = {m["path"]: m["digest"] for m in g["members"]}
        eq(digests[os.path.realpath(w.lms_a)], "hash", "learned digest")
        eq(digests[os.path.realpath(w.hf_blob_a)], "hf_blob", "HF digest")
        # A dry run plans, or, where the filesystem cannot clone, says so
        # and names the methods that would work.
        check(all(a["outcome"] == "planned" or (
            a["outcome"] == "unsupported" and "would work" in a["reason"])
            for a in res["actions"]),
              "dry run only plans: %r" % res["actions"])
        w.check_intact()
        eq(env.get("/v1/status")["cache"]["reclaimable_bytes"],
           2 * len(w.A), "status reclaimable")

        # Clone on a filesystem without reflinks: said so, nothing changed.
        fs = subprocess.run(["stat", "-f", "-c", "%T", w.root],
                            capture_output=True, text=True).stdout.strip()
        res = run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                               "method": "clone"})
        if fs in ("ext2/ext3", "ext4", "tmpfs", "overlayfs"):
            eq(res["done"], 0, "no clone on %s" % fs)
            check(res["unsupported"] >= 1, "unsupported: %r"
                  % res["actions"])
            check(res["unsupported_message"] and "nothing was changed" in
                  res["unsupported_message"], "says so: %r"
                  % res["unsupported_message"])
            eq(res["reclaimed_bytes"], 0, "nothing reclaimed")
        else:
            print("note: %s may support clones; unsupported path not "
                  "checked" % fs)
        w.check_intact()
        eq(w.temps(), [], "no temp files")

        # Hard links on the ordinary filesystem: store blobs only.
        before = env.get("/v1/cache/stats")
        res = run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                               "method": "hardlink"})
        eq(res["done"], 1, "the HF blob became a hard link: %r"
           % res["actions"])
        eq(res["reclaimed_bytes"], len(w.A), "reclaimed one copy")
        lms = [a for a in res["actions"] if a["target"] ==
               os.path.realpath(w.lms_a)]
        eq(lms[0]["outcome"], "skipped", "LM Studio copy is a user file")
        check("store blobs" in lms[0]["reason"], lms[0]["reason"])
        st = os.stat(w.hf_blob_a)
        eq(st.st_ino, os.stat(os.path.join(
            w.ollama, "blobs", "sha256-" + w.sha_a)).st_ino, "one inode")
        w.check_intact()
        eq(w.temps(), [], "no temp files")
        after = env.get("/v1/cache/stats")
        eq(after["reclaimed_by_method"]["hardlink"], len(w.A),
           "reclaimed by hard links")
        eq(after["unique_bytes"], before["unique_bytes"] - len(w.A),
           "one inode less")
        check(before["physical_bytes"] - after["physical_bytes"] >=
              len(w.A), "physical bytes: %r -> %r" % (before, after))
        check(after["saved_bytes"] > before["saved_bytes"], "saved more")
        refs = models_by_ref(env)
        check(refs["hf:org/alpha@" + w.c1]["shares_bytes"],
              "HF model shares bytes now")
        check("ollama:llama3.2:latest" in
              refs["hf:org/alpha@" + w.c1]["shared_with"], "with Ollama")
        # Nothing left to do for store blobs.
        res = run_job(env, "/v1/cache/dedup", {})
        eq(group_of(res, w.sha_a)["copies"], 2, "two copies remain")
    finally:
        w.cleanup()


def test_clean(env):
    w = World(env)
    w.build()
    try:
        start(env, w)
        synced(env)
        res = run_job(env, "/v1/cache/clean", {})
        eq(res["dry_run"], True, "dry run by default")
        top = {(i["kind"], i["path"]) for i in res["items"]
               if i.get("of") is None}
        snap0 = os.path.join(os.path.realpath(w.hf_alpha), "snapshots",
                             w.c0)
        want = {("orphan_blob", os.path.realpath(w.orphan)),
                ("detached_revision", snap0),
                ("stale_partial", os.path.realpath(w.ollama_partial)),
                ("stale_partial", os.path.realpath(w.hf_incomplete))}
        eq(top, want, "cleanup candidates")
        check(all(i["action"] == "would_delete" for i in res["items"]),
              "dry run: %r" % res["items"])
        check(os.path.exists(w.orphan) and os.path.exists(snap0),
              "dry run deletes nothing")
        f_blob = os.path.join(w.hf_alpha, "blobs",
                              hashlib.sha256(w.F).hexdigest())
        eq(res["bytes"], len(w.E) + len(w.F) + 70 * KIB + 80 * KIB,
           "bytes a clean would free")
        st, _, b = env.request("POST", "/v1/cache/clean",
                               body={"dryrun": False})
        eq(st, 400, "an unknown field is refused, not ignored")
        res = run_job(env, "/v1/cache/clean", {"dry_run": False})
        eq(res["failed"], 0, "no failures: %r" % res["items"])
        for p in (w.orphan, w.ollama_partial, w.hf_incomplete, f_blob):
            check(not os.path.exists(p), "%s deleted" % p)
        check(not os.path.lexists(snap0), "detached snapshot deleted")
        w.check_intact(skip=(w.orphan, f_blob))
        refs = models_by_ref(env)
        check("hf:org/alpha@" + w.c0 not in refs, "revision gone")
        check("hf:org/alpha@" + w.c1 in refs, "main revision kept")
        check("ollama:llama3.2:latest" in refs, "models kept")
        res = run_job(env, "/v1/cache/clean", {})
        eq(res["items"], [], "nothing left to clean")
        st, _, b = env.request("POST", "/v1/cache/clean",
                               body={"kinds": ["unused_model"]})
        eq(st, 400, "unused_model needs a linked app: %r" % b)
    finally:
        w.cleanup()


def test_adds_apps_remove(env):
    w = World(env)
    w.build()
    try:
        start(env, w)
        synced(env)
        res = run_job(env, "/v1/cache/add", {"uri": "ollama://llama3.2"})
        d = os.path.join(env.data, "models", "llama3.2-latest")
        eq(res["dir"], d, "links folder")
        main = os.path.join(d, "llama3.2-latest.gguf")
        proj = os.path.join(d, "mmproj-llama3.2-latest.gguf")
        check(os.path.islink(main) and os.path.islink(proj), "links made")
        eq(sha256_file(main), w.sha_a, "the model reads through the link")
        eq(sha256_file(proj), hashlib.sha256(w.P).hexdigest(), "projector")
        eq(len(res["links"]), 2, "model and projector only")
        again = run_job(env, "/v1/cache/add",
                        {"uri": "ollama://registry.ollama.ai/library/"
                                "LLAMA3.2:latest"})
        eq([l["state"] for l in again["links"]], ["exists", "exists"],
           "adding again changes nothing (names compared without case)")
        b = post_job(env, "/v1/cache/add", {"uri": "ollama://nope:1"})
        j = wait_job(env, b["job"])
        eq(j["state"], "failed", "unknown model")
        check("no model" in j["error"], j["error"])
        st, _, b = env.request("POST", "/v1/cache/add",
                               body={"uri": "ollama://bad name"})
        eq(st, 400, "invalid name")
        st, _, b = env.request("POST", "/v1/cache/add",
                               body={"uri": "s3://x"})
        eq(st, 400, "unknown scheme")

        local = os.path.join(w.root, "weights")
        write(os.path.join(local, "mine", "w.gguf"), gguf(w.rng, 90 * KIB))
        res = run_job(env, "/v1/cache/add", {"uri": "file://" + local})
        eq(res["models"], ["local:mine"], "registered folder's models")
        refs = models_by_ref(env)
        check("local:mine" in refs, "local model indexed")
        check("local:llama3.2-latest" in refs, "cache.dir is indexed")
        check("local" in refs["ollama:llama3.2:latest"]["apps"],
              "the links use the Ollama model")
        check(local in env.get("/v1/cache/config")["added_roots"],
              "listed in config")
        st, _, b = env.request("POST", "/v1/cache/add",
                               body={"uri": "file:///no/such/dir"})
        eq(st, 404, "missing folder")

        # A linked app: its folder links to qwen's weights.
        app = os.path.join(w.root, "apps", "comfy")
        os.makedirs(app)
        os.symlink(os.path.join(w.ollama, "blobs", "sha256-" + w.sha_b),
                   os.path.join(app, "qwen.gguf"))
        st, _, b = env.request("POST", "/v1/cache/apps", body={"path": app})
        eq(st, 201, "linked: %r" % b)
        eq(b["name"], "comfy", "named after its folder")
        wait_job(env, b["job"])
        apps = env.get("/v1/cache/apps")["apps"]
        eq([a["name"] for a in apps], ["comfy"], "apps")
        eq([m["ref"] for m in apps[0]["models"]], ["ollama:qwen:7b"],
           "what comfy uses")
        eq(models_by_ref(env)["ollama:qwen:7b"]["registered_apps"],
           ["comfy"], "qwen is used by comfy")
        st, _, b = env.request("POST", "/v1/cache/apps", body={"path": app})
        eq(st, 409, "name taken")
        st, _, b = env.request("POST", "/v1/cache/remove",
                               body={"model": "qwen:7b"})
        eq(st, 409, "remove refuses for a linked app: %r" % b)
        eq(b["error"]["code"], "in_use", "error code")
        check(os.path.exists(os.path.join(w.ollama, "blobs",
                                          "sha256-" + w.sha_b)),
              "nothing deleted")
        st, _, b = env.request("POST", "/v1/cache/remove",
                               body={"model": "nosuch:model"})
        eq(st, 404, "unknown model")
        st, _, b = env.request("POST", "/v1/cache/remove",
                               body={"model": "org/alpha"})
        eq(st, 409, "ambiguous: two revisions")

        # Removing llama3.2: the manifest goes; blob A stays because the
        # cache.dir links still use it; the projector stays for the same
        # reason; the config blob goes.
        res = run_job(env, "/v1/cache/remove",
                      {"model": "ollama:llama3.2:latest"})
        manifest = os.path.join(w.ollama, "manifests", "registry.ollama.ai",
                                "library", "llama3.2", "latest")
        check(not os.path.exists(manifest), "manifest deleted")
        blob_a = os.path.join(w.ollama, "blobs", "sha256-" + w.sha_a)
        check(os.path.exists(blob_a), "blob still linked is kept")
        kept = [i for i in res["items"] if i["action"] == "kept"]
        check(any(i["path"] == os.path.realpath(blob_a) and "still used"
                  in i["reason"] for i in kept), "says why: %r" % kept)
        eq(sha256_file(main), w.sha_a, "link still reads")
        check("ollama:llama3.2:latest" not in models_by_ref(env), "gone")

        # Unlink the app, then qwen can go, blob and all.
        st, _, b = env.request("DELETE", "/v1/cache/apps/comfy")
        eq(st, 200, "unlinked")
        wait_job(env, b["job"])
        st, _, b = env.request("DELETE", "/v1/cache/apps/comfy")
        eq(st, 404, "unlinked twice")
        res = run_job(env, "/v1/cache/remove", {"model": "qwen:7b"})
        check(not os.path.exists(os.path.join(w.ollama, "blobs",
                                              "sha256-" + w.sha_b)),
              "qwen's blob deleted: %r" % res["items"])
        gone = [hashlib.sha256(x).hexdigest() for x in (
            w.B, b'{"temperature":0}',
            json.dumps({"model_format": "gguf"}).encode())]
        for d in gone:
            check(not os.path.exists(os.path.join(w.ollama, "blobs",
                                                  "sha256-" + d)),
                  "blob only removed models used is deleted")
        w.check_intact(skip=[p for p in w.hashes
                             if any(d in p for d in gone)])
        # file:// remove only forgets the folder.
        res = run_job(env, "/v1/cache/remove", {"model": "file://" + local})
        check(os.path.exists(os.path.join(local, "mine", "w.gguf")),
              "the folder's files stay")
        check("local:mine" not in models_by_ref(env), "no longer indexed")
    finally:
        w.cleanup()


ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(os.path.abspath(
                          __file__)), "..", ".."))


class HfSim:
    """tests/hfsim/hf_sim.py, the stand-in Hugging Face Hub."""

    def __init__(self, env):
        root = os.path.join(env.dir, "hfsim")
        self.proc = subprocess.Popen(
            ["python3", os.path.join(ROOT, "tests", "hfsim", "hf_sim.py"),
             "--root", root], stdout=subprocess.PIPE,
            stderr=open(os.path.join(env.dir, "hfsim.log"), "ab"))
        line = self.proc.stdout.readline().decode()
        check(line.startswith("PORT "), "hf_sim port: %r" % line)
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])
        env.procs.append(self)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc.stdout.close()


def test_hf_add(env):
    w = World(env)
    w.build()
    try:
        hub = HfSim(env)
        w.extra_env["HF_ENDPOINT"] = hub.url
        start(env, w)
        synced(env)
        res = run_job(env, "/v1/cache/add",
                      {"uri": "hf://acme/tiny-model"})
        commit = "1" * 40
        eq(res["revision"], commit, "resolved commit")
        eq(res["models"], ["hf:acme/tiny-model@" + commit], "indexed")
        snap = os.path.join(w.hub, "models--acme--tiny-model", "snapshots",
                            commit)
        check(os.path.islink(os.path.join(snap, "model.safetensors")),
              "snapshot symlink as huggingface_hub writes it")
        with open(os.path.join(w.hub, "models--acme--tiny-model", "refs",
                               "main")) as f:
            eq(f.read(), commit, "refs/main")
        m = models_by_ref(env)["hf:acme/tiny-model@" + commit]
        eq(m["files"], 2, "two files")
        b = post_job(env, "/v1/cache/add", {"uri": "hf://acme/no-such"})
        j = wait_job(env, b["job"])
        eq(j["state"], "failed", "a missing repo fails the job")
        st, _, b = env.request("POST", "/v1/cache/add",
                               body={"uri": "hf://bad--name"})
        eq(st, 400, "bad repo id: %r" % b)
        w.check_intact()
    finally:
        w.cleanup()


def test_mlxctl_cache(env):
    w = World(env)
    w.build()
    try:
        start(env, w)
        synced(env)
        rc, out, err = env.mlxctl("cache", "status")
        eq(rc, 0, "status: %s" % err)
        lines = out.splitlines()
        eq(lines[0].split()[:4], ["MODEL", "SIZE", "FILES", "USED"],
           "header: %r" % lines[0])
        check(any(l.startswith("ollama:llama3.2:latest ") for l in lines),
              "llama listed: %s" % out)
        check(any(l.startswith("hf:org/alpha@main ") for l in lines),
              "HF revision shown by its ref: %s" % out)
        check("models," in out and "on disk" in out, "summary: %s" % out)
        rc, out, err = env.mlxctl("--json", "cache", "status")
        eq(rc, 0, "status --json")
        eq(len(json.loads(out)["models"]),
           len(env.get("/v1/cache")["models"]), "--json is the API's")

        rc, out, err = env.mlxctl("cache", "dedup", "--dry-run")
        eq(rc, 0, "dedup --dry-run: %s" % err)
        check("3 copies of %s" % w.sha_a[:16] in out, "group: %s" % out)
        check("1 group of identical files wastes 614 KB" in out,
              "wasted bytes: %s" % out)
        check("Compared 1 file with a twin named by its digest, hashed 0"
              in out, "read counts: %s" % out)
        check("Dry run:" in out and "nothing was changed" in out, out)
        check("keep  %s" % os.path.realpath(os.path.join(
            w.ollama, "blobs", "sha256-" + w.sha_a)) in out,
            "the Ollama blob is kept: %s" % out)
        rc, out, err = env.mlxctl("cache", "dedup", "--method", "bogus")
        eq(rc, 2, "bad method is a usage error")
        rc, out, err = env.mlxctl("cache", "dedup", "--method", "clone")
        fs = subprocess.run(["stat", "-f", "-c", "%T", w.root],
                            capture_output=True, text=True).stdout.strip()
        if fs in ("ext2/ext3", "ext4", "tmpfs", "overlayfs"):
            eq(rc, 1, "no clone possible: exit 1 (%s)" % out)
            check("nothing was changed" in out, out)
        w.check_intact()
        rc, out, err = env.mlxctl("cache", "dedup", "--method", "hardlink")
        eq(rc, 0, "hard links: %s %s" % (out, err))
        check("Reclaimed 307 KB: 1 replaced" in out, out)
        rc, out, err = env.mlxctl("cache", "stats")
        eq(rc, 0, "stats")
        for key in ("Logical:", "Physical:", "Saved:", "Reclaimed:"):
            check(key in out, "%s in %s" % (key, out))
        check("hardlink 307 KB" in out, out)

        rc, out, err = env.mlxctl("cache", "clean", "--dry-run")
        eq(rc, 0, "clean --dry-run")
        check("orphan_blob" in out and "detached_revision" in out and
              "would_delete" in out and "Dry run:" in out, out)
        check(os.path.exists(w.orphan), "dry run")
        rc, out, err = env.mlxctl("cache", "clean", "--kind",
                                  "stale_partial")
        eq(rc, 0, "clean partials: %s" % err)
        check(not os.path.exists(w.ollama_partial) and
              os.path.exists(w.orphan), "only partials deleted")

        rc, out, err = env.mlxctl("cache", "add", "ollama://llama3.2")
        eq(rc, 0, "add: %s" % err)
        check("Linked llama3.2:latest" in out, out)
        rc, out, err = env.mlxctl("cache", "add", "nope://x")
        eq(rc, 1, "bad URI is an API error")
        check("unsupported URI" in err, err)

        app = os.path.join(w.root, "myapp")
        os.makedirs(app)
        os.symlink(os.path.join(w.ollama, "blobs", "sha256-" + w.sha_b),
                   os.path.join(app, "w.gguf"))
        rc, out, err = env.mlxctl("cache", "link", app, "myapp")
        eq(rc, 0, "link: %s" % err)
        check("uses ollama:qwen:7b" in out, out)
        rc, out, err = env.mlxctl("cache", "apps")
        eq(rc, 0, "apps")
        check("myapp" in out and "ollama:qwen:7b" in out, out)
        rc, out, err = env.mlxctl("cache", "remove", "qwen:7b")
        eq(rc, 1, "remove refused")
        check("used by linked app myapp" in err, err)
        rc, out, err = env.mlxctl("cache", "remove", "qwen:7b", "--force")
        eq(rc, 0, "remove --force: %s" % err)
        check("Freed" in out, out)
        rc, out, err = env.mlxctl("cache", "unlink", "myapp")
        eq(rc, 0, "unlink")
        rc, out, err = env.mlxctl("cache", "unlink", "myapp")
        eq(rc, 1, "unlink twice")
        rc, out, err = env.mlxctl("cache", "config")
        eq(rc, 0, "config")
        check("cache.dedup.methods   clone" in out, out)
        rc, out, err = env.mlxctl("cache", "frobnicate")
        eq(rc, 2, "unknown verb")
        rc, out, err = env.mlxctl("--json", "cache", "sync")
        eq(rc, 0, "sync --json")
        eq(json.loads(out)["state"], "done", "the job's JSON")
    finally:
        w.cleanup()


def test_xfs_clone(env):
    """The clone path for real: on a loop-mounted XFS image with reflinks
    (as root, with xfsprogs), dedup with clone shares the copies' extents
    and every file reads back unchanged, each keeping its own inode."""
    if os.geteuid() != 0 or shutil.which("mkfs.xfs") is None:
        raise Skip("the XFS reflink test needs root and mkfs.xfs")
    img = os.path.join(env.dir, "xfs.img")
    mnt = os.path.join(env.dir, "xfs")
    os.makedirs(mnt)
    with open(img, "wb") as f:
        f.truncate(320 << 20)
    subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", img], check=True)
    if subprocess.run(["mount", "-o", "loop", img, mnt]).returncode != 0:
        raise Skip("cannot loop-mount an XFS image here")
    d = None
    try:
        w = World(env, root=os.path.join(mnt, "world"),
                  home=os.path.join(mnt, "home"))
        w.build()
        d = start(env, w)
        synced(env)
        res = run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                               "method": "clone"})
        eq(res["done"], 2, "both copies cloned: %r" % res["actions"])
        eq(res["reclaimed_bytes"], 2 * len(w.A), "reclaimed")
        w.check_intact()
        eq(w.temps(), [], "no temp files")
        inodes = {os.stat(p).st_ino for p in (
            os.path.join(w.ollama, "blobs", "sha256-" + w.sha_a),
            w.hf_blob_a, w.lms_a)}
        eq(len(inodes), 3, "clones keep their own inodes")
        st = env.get("/v1/cache/stats")
        eq(st["reclaimed_by_method"]["clone"], 2 * len(w.A), "by clone")
        eq(st["clone_shared_bytes"], 2 * len(w.A), "clones in place")
        refs = models_by_ref(env)
        check(refs["lmstudio:pub/alpha-GGUF"]["shares_bytes"],
              "the LM Studio copy shares bytes now")
        res = run_job(env, "/v1/cache/dedup", {})
        eq(res["wasted_bytes"], 0, "nothing wasted any more")
    finally:
        if d is not None:
            d.stop()
            env.procs.remove(d)
        subprocess.run(["umount", mnt])


def kill9(env, d):
    """SIGKILL the daemon and forget it (it cannot exit cleanly)."""
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    d.log.close()
    env.procs.remove(d)


def big_world(env, n=None):
    """n model shards stored twice, by Ollama and by the HF cache, each
    named by its sha256: hard-link dedup may join every pair."""
    w = World(env, seed=7)
    n = n or int(os.environ.get("MLXD_TEST_CRASH_FILES", "150"))
    files = {}
    for i in range(n):
        files["shard-%03d.gguf" % i] = gguf(w.rng, 96 * KIB + i)
    w.ollama_model("big", "latest", [
        ("application/vnd.ollama.image.model", data)
        for data in files.values()])
    rdir = w.hf_repo("org/big", {"2" * 40: files}, {"main": "2" * 40})
    pairs = []
    for data in files.values():
        d = hashlib.sha256(data).hexdigest()
        pairs.append((os.path.join(w.ollama, "blobs", "sha256-" + d),
                      os.path.join(rdir, "blobs", d)))
    return w, pairs


def test_cancel(env):
    """A queued job cancelled never starts; a running dedup cancelled
    leaves every file whole and the journal settled."""
    w, pairs = big_world(env)
    start(env, w)
    wait_for(lambda: not env.get("/v1/status")["cache"]["scanning"], 30,
             "the start-up scan")
    dd = post_job(env, "/v1/cache/dedup", {"dry_run": False,
                                           "method": "hardlink"})
    sy = post_job(env, "/v1/cache/sync")
    st, _, j = env.request("DELETE", "/v1/jobs/" + sy["job"])
    eq(st, 202, "cancel accepted")
    j = wait_job(env, sy["job"])
    eq(j["state"], "cancelled", "the queued sync")
    check("before it started" in j["error"], j["error"])
    st, _, j = env.request("DELETE", "/v1/jobs/" + dd["job"])
    check(st in (202, 409), "cancel the dedup: %d" % st)
    j = wait_job(env, dd["job"])
    check(j["state"] in ("cancelled", "done"), j["state"])
    w.check_intact()
    eq(w.temps(), [], "no temp files")
    eq(env.get("/v1/cache/stats")["ops_pending"], 0, "journal settled")
    st, _, j = env.request("DELETE", "/v1/jobs/" + dd["job"])
    eq(st, 409, "an ended job cannot be cancelled")


def test_crash_during_dedup(env):
    """kill -9 at random points of a real hard-link dedup of many files,
    at least 20 times, restarting each time: after every restart (whose
    recovery runs before anything else) and at the end, every file is
    present with its original hash and no temp file is left."""
    w, pairs = big_world(env)

    def linked():
        return sum(os.stat(a).st_ino == os.stat(b).st_ino for a, b in pairs)

    def unlink_some():
        """Make half the HF blobs separate copies again (same bytes)."""
        for a, b in pairs[::2]:
            if os.stat(a).st_ino == os.stat(b).st_ino:
                tmp = b + ".copy"
                shutil.copyfile(b, tmp)
                os.replace(tmp, b)

    rng = random.Random(int(os.environ.get("MLXD_TEST_SEED",
                                           str(int(time.time())))))
    # How long joining every pair takes here, to aim the kills.
    start(env, w)
    t0 = time.monotonic()
    res = run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                           "method": "hardlink"})
    eq(res["done"], len(pairs), "calibration run joins every pair")
    env.procs[-1].stop()
    window = (time.monotonic() - t0) / 2
    unlink_some()
    kills = rounds = 0
    states = {}
    while kills < 20 and rounds < 120:
        rounds += 1
        d = start(env, w)
        w.check_intact()
        eq(w.temps(), [], "temp files after restart %d" % rounds)
        if linked() == len(pairs):
            unlink_some()
        b = post_job(env, "/v1/cache/dedup", {"dry_run": False,
                                              "method": "hardlink"})

        # Progress reaches the job every 250 ms, too coarse here: watch
        # the files instead, and strike once the first link appears.
        start_links = linked()
        deadline = time.monotonic() + 60
        while linked() == start_links and time.monotonic() < deadline:
            if env.get("/v1/jobs/" + b["job"])["state"] != "running":
                break
        time.sleep(rng.uniform(0, window))
        running = env.get("/v1/jobs/" + b["job"])["state"] == "running"
        kill9(env, d)
        if running:
            kills += 1
        done = linked()
        states[done] = states.get(done, 0) + 1
    check(kills >= 20, "killed mid-dedup %d times in %d rounds"
          % (kills, rounds))
    print("killed %d times in %d rounds (window %.0f ms); hard links in "
          "place after the kills: %s" % (kills, rounds, window * 1000,
                                         sorted(states)))
    # A last run to the end: recovery, then every pair joined.
    start(env, w)
    w.check_intact()
    eq(w.temps(), [], "temp files after the last restart")
    eq(env.get("/v1/cache/stats")["ops_pending"], 0, "journal replayed")
    res = run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                           "method": "hardlink"})
    eq(res["failed"], 0, "no failures: %r" % [a for a in res["actions"]
                                             if a["outcome"] == "failed"])
    eq(linked(), len(pairs), "every duplicate joined in the end")
    w.check_intact()
    eq(w.temps(), [], "no temp files at the end")


if __name__ == "__main__":
    run([test_index, test_duplicates_and_hardlink, test_clean,
         test_adds_apps_remove, test_hf_add, test_mlxctl_cache,
         test_xfs_clone, test_cancel, test_crash_during_dedup])
