# SPDX-License-Identifier: ISC
"""The cache never touches a file that is not a store's own.

A hostile world is built next to real stores: user files named like
partial downloads in LM Studio and local folders, a Hugging Face snapshot
folder and a blobs/ entry that are symlinks to a folder outside every
store, a local model that is a symlink to a folder of the user's, an
Ollama manifest whose digest is a path, a file swapped for a symlink
between the index and a dedup. After sync, dry runs, dedup by every
method, clean and remove, every file outside the stores has its original
bytes, mode, owner, inode and link count, and every store file still
there reads back with its original sha256. Also: file:// adds refuse /,
$HOME, system folders and dot segments; a local remove only forgets the
folder unless delete_files (refused over TCP, as link_user_files is);
two daemons on one data dir (the second refuses, the first's dedup
completes); app names. And:
store files the user hard-linked into a folder of theirs, stores whose
roots, blobs/ or repo folders are symlinks, a cache.dir pointed at the
user's own files, an app folder that is not mounted, FIFOs in place of
files the scan reads, hf:// downloads into linked folders, ollama:// adds
into a cache.dir folder that is a link or a file, file:// adds and
cache.roots entries of mlxd's own data dir, clean of every kind beside a
local folder, and LM Studio folders that are links.

These mirror the list "What mlxd will never do" in docs/cache.md, whose
numbers each test names; number 8 (kill -9) is test_cache.py's
test_crash_during_dedup."""
import fcntl
import hashlib
import json
import os
import socket
import sqlite3
import stat
import subprocess
import time

from harness import MLXD, Failure, check, eq, run, wait_for

import test_cache as tc

KIB = 1024
CONFIG = "cache:\n  min_size_bytes: 65536\n"
DAY = 86400


def snapshot_tree(top):
    """Every entry under top: (kind, sha256 or target, mode, uid, gid,
    inode, link count)."""
    out = {}
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                what = ("file", tc.sha256_file(p))
            elif stat.S_ISLNK(st.st_mode):
                what = ("link", os.readlink(p))
            else:
                what = ("dir", None)
            out[p] = what + (stat.S_IMODE(st.st_mode), st.st_uid,
                             st.st_gid, st.st_ino, st.st_nlink)
    return out


def tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_post(port, path, body, token="t0ken"):
    """POST over the TCP listener: (status, decoded body)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", path, body=json.dumps(body),
              headers={"Authorization": "Bearer " + token,
                       "Content-Type": "application/json"})
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, json.loads(raw or b"{}")


class Hostile(tc.World):
    """tc.World's stores plus the traps."""

    def __init__(self, env, top=None):
        if top is None:
            super().__init__(env, seed=11)
            top = env.dir
        else:
            super().__init__(env, seed=11, root=os.path.join(top, "world"),
                             home=os.path.join(top, "home"))
        self.outside = os.path.join(top, "outside")   # the user's
        self.local = os.path.join(self.root, "weights")   # added file://

    def build(self):
        r = self.rng
        old = time.time() - 2 * DAY
        self.A = tc.gguf(r, 200 * KIB)
        self.B = tc.gguf(r, 150 * KIB)
        self.sha_a = hashlib.sha256(self.A).hexdigest()
        self.sha_b = hashlib.sha256(self.B).hexdigest()
        self.ollama_model("tiny", "latest", [
            ("application/vnd.ollama.image.model", self.A)])
        self.blob_a = os.path.join(self.ollama, "blobs", "sha256-" +
                                   self.sha_a)
        # Real partial downloads, named as Ollama and HF name them.
        self.o_part = os.path.join(self.ollama, "blobs",
                                   "sha256-" + "cd" * 32 + "-partial")
        self.o_part2 = os.path.join(self.ollama, "blobs",
                                    "sha256-" + "cd" * 32 + "-partial-2")
        tc.write(self.o_part, r.randbytes(10 * KIB), mtime=old)
        tc.write(self.o_part2, r.randbytes(10 * KIB), mtime=old)
        # A manifest whose digests are paths out of the store.
        tc.write(os.path.join(self.ollama, "manifests", "registry.ollama.ai",
                              "library", "evil", "latest"),
                 json.dumps({"schemaVersion": 2, "config": {
                     "digest": "sha256:../../../outside/secret.txt"},
                     "layers": [{"digest": "../../x"}, {
                         "digest": "sha256:" + "../" * 21 + "outside/"
                                   "mydoc.bi"}]}).encode())
        # HF: a normal repo, one whose snapshot folder is a symlink to the
        # user's folder, and a blobs/ entry linking outside.
        self.alpha = self.hf_repo("org/alpha", {
            "1" * 40: {"model.gguf": self.A}}, {"main": "1" * 40})
        self.hf_inc = os.path.join(self.alpha, "blobs", "ee" * 20 +
                                   ".incomplete")
        tc.write(self.hf_inc, r.randbytes(10 * KIB), mtime=old)
        evil = os.path.join(self.hub, "models--org--evil")
        os.makedirs(os.path.join(evil, "snapshots"))
        tc.write(os.path.join(evil, "refs", "main"), b"2" * 40)
        os.symlink(os.path.join(self.outside, "snapdir"),
                   os.path.join(evil, "snapshots", "2" * 40))
        os.symlink(os.path.join(self.outside, "blobfile.bin"),
                   os.path.join(self.alpha, "blobs", self.sha_b))
        os.makedirs(os.path.join(self.alpha, "snapshots", "3" * 40))
        os.symlink("../../blobs/" + self.sha_b,
                   os.path.join(self.alpha, "snapshots", "3" * 40, "b.gguf"))
        # LM Studio: a user's complete file named like a partial.
        self.lms_partial = self.lmstudio(
            "pub/tiny-GGUF/tiny-partial-merge-q4.gguf", self.A)
        os.utime(self.lms_partial, (old, old))
        self.lms_swap = self.lmstudio("pub/swap-GGUF/s.gguf", self.A)
        # A local folder the user adds with file://.
        self.notes = os.path.join(self.local, "mymodel", "notes-partial.txt")
        tc.write(self.notes, b"my notes\n", mtime=old)
        self.paper = os.path.join(self.local, "paper.download")
        tc.write(self.paper, b"%PDF-1.4 mine", mtime=old)
        self.part = os.path.join(self.local, "w.gguf.part")
        tc.write(self.part, self.B, mtime=old)
        tc.write(os.path.join(self.local, "mymodel", "w.gguf"), self.A)
        os.symlink(os.path.join(self.outside, "linkeddir"),
                   os.path.join(self.local, "linked"))
        # The user's own folder, outside every store.
        o = self.outside
        self.mydoc = os.path.join(o, "snapdir", "mydoc.bin")
        tc.write(self.mydoc, self.A)
        os.chmod(self.mydoc, 0o640)
        tc.write(os.path.join(o, "snapdir", "sub", "x.gguf"), self.B)
        tc.write(os.path.join(o, "blobfile.bin"), self.B)
        os.chmod(os.path.join(o, "blobfile.bin"), 0o600)
        tc.write(os.path.join(o, "linkeddir", "f.gguf"), self.A)
        os.makedirs(os.path.join(o, "linkeddir", "empty", "deeper"))
        os.makedirs(os.path.join(o, "linkeddir", "empty2"))
        tc.write(os.path.join(o, "secret.txt"), b"secret")
        tc.write(os.path.join(o, "swapvictim.bin"), self.A)
        os.chmod(os.path.join(o, "swapvictim.bin"), 0o604)
        # A manifests/<host> folder and an HF refs/ folder that are
        # symlinks to folders of the user's.
        cfg = json.dumps({"model_format": "gguf"}).encode()
        man = {"schemaVersion": 2, "config": {
            "digest": "sha256:" + hashlib.sha256(cfg).hexdigest()},
            "layers": [{"mediaType": "application/vnd.ollama.image.model",
                        "digest": "sha256:" + self.sha_a}]}
        tc.write(os.path.join(o, "hostdir", "library", "evilhost", "latest"),
                 json.dumps(man).encode())
        os.symlink(os.path.join(o, "hostdir"),
                   os.path.join(self.ollama, "manifests", "evil.example"))
        tc.write(os.path.join(o, "refsdir", "x"), b"1" * 40)
        os.symlink(os.path.join(o, "refsdir"),
                   os.path.join(self.alpha, "refs", "evilrefs"))
        # An Ollama blobs/ entry that links to a file of the user's (an
        # orphan: clean may drop the link, never the file).
        ob = r.randbytes(70 * KIB)
        tc.write(os.path.join(o, "ollamablob.bin"), ob)
        os.symlink(os.path.join(o, "ollamablob.bin"), os.path.join(
            self.ollama, "blobs", "sha256-" + hashlib.sha256(ob).hexdigest()))
        # Every store file, by content.
        for top in (self.ollama, self.hub, self.lms, self.local):
            for d, dirs, files in os.walk(top):
                for f in files:
                    p = os.path.join(d, f)
                    if not os.path.islink(p):
                        self.keep(p)
        self.before = snapshot_tree(self.outside)

    def check_outside(self, what):
        """Nothing outside the stores changed in any way."""
        now = snapshot_tree(self.outside)
        for p, was in self.before.items():
            check(p in now, "%s: %s is gone" % (what, p))
            eq(now[p], was, "%s: %s (kind, content, mode, uid, gid, inode, "
               "links)" % (what, p))
        eq(sorted(set(now) - set(self.before)), [],
           "%s: new entries outside" % what)

    def check_stores(self, what, gone=()):
        """Every store file reads back as it was written (those listed in
        gone were deleted on purpose)."""
        for p, digest in self.hashes.items():
            if p in gone:
                check(not os.path.lexists(p), "%s: %s deleted" % (what, p))
                continue
            check(os.path.exists(p), "%s: %s is missing" % (what, p))
            eq(tc.sha256_file(p), digest, "%s: content of %s" % (what, p))


def start(env, w, config=CONFIG, **kw):
    return env.daemon(config=config, extra_env=w.extra_env, **kw)


def refs_of(env):
    return tc.models_by_ref(env)


def test_partial_names(env):
    """Never do 2. Defect: clean deleted complete user files whose names
    merely look like partial downloads (LM Studio and local folders)."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    res = tc.run_job(env, "/v1/cache/clean", {})
    paths = {i["path"] for i in res["items"]
             if i["kind"] in ("stale_partial", "stale_temp")}
    eq(paths, {os.path.realpath(p) for p in (w.o_part, w.o_part2,
                                            w.hf_inc)},
       "candidates are the writers' own partials only")
    # A stale-looking .incomplete whose huggingface_hub lock is held: a
    # live download, kept.
    etag = "ab" * 32
    live = os.path.join(w.alpha, "blobs", etag + ".incomplete")
    tc.write(live, b"x" * 1000, mtime=time.time() - 2 * DAY)
    lock = os.path.join(w.hub, ".locks", "models--org--alpha",
                        etag + ".lock")
    os.makedirs(os.path.dirname(lock))
    lf = open(lock, "w")
    fcntl.flock(lf, fcntl.LOCK_EX)
    try:
        res = tc.run_job(env, "/v1/cache/clean", {"dry_run": False})
    finally:
        lf.close()
    eq(res["failed"], 0, "no failures: %r" % res["items"])
    check(os.path.exists(live), "a locked download is kept")
    check(any(i["path"] == os.path.realpath(live) and i["action"] == "kept"
              and "lock" in i["reason"] for i in res["items"]),
          "says why: %r" % res["items"])
    for p in (w.lms_partial, w.notes, w.paper, w.part):
        check(os.path.exists(p), "user file %s kept" % p)
    w.check_stores("clean", gone=(w.o_part, w.o_part2, w.hf_inc))
    w.check_outside("clean")
    refs = refs_of(env)
    check("lmstudio:pub/tiny-GGUF" in refs, "indexed as a model file")
    check("local:paper.download" in refs, "a loose file is a model")


def test_symlinked_snapshot(env):
    """Never do 1. Defect: a snapshot folder linking outside made hardlink
    dedup join the user's file to an Ollama blob (mode 0640 became
    0644)."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": True,
                                              "method": "hardlink"})
    roles = {m["path"]: m["role"] for g in res["groups"]
             for m in g["members"]}
    eq(roles.get(os.path.realpath(w.mydoc)), "external",
       "the user's file is seen where it is: %r" % roles)
    for p, role in roles.items():
        if p.startswith(os.path.realpath(w.outside)):
            eq(role, "external", "role of %s" % p)
    res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                              "method": "hardlink"})
    for a in res["actions"]:
        if a["target"].startswith(os.path.realpath(w.outside)):
            check(a["outcome"] != "done", "outside changed: %r" % a)
    st = os.stat(w.mydoc)
    eq(stat.S_IMODE(st.st_mode), 0o640, "mode of the user's file")
    eq(st.st_nlink, 1, "the user's file is not linked to a blob")
    check(st.st_ino != os.stat(w.blob_a).st_ino, "not the blob's inode")
    w.check_outside("hardlink dedup")
    w.check_stores("hardlink dedup")


def test_file_add_refused(env):
    """Never do 3 and 4. Defect: file:// took any folder (%2e%2e
    registered all of /tmp) and remove local:NAME then deleted the user's
    files there."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    home = w.extra_env["HOME"]
    x = os.path.join(w.root, "x")
    os.makedirs(x)
    bad = ["file:///", "file://" + home, "file://" + os.path.dirname(home),
           "file:///etc", "file:///usr", "file:///tmp",
           "file://" + x + "/%2e%2e/", "file://" + x + "/../",
           "file://" + w.local + "/./mymodel"]
    for uri in bad:
        st, _, b = env.request("POST", "/v1/cache/add", body={"uri": uri})
        eq(st, 400, "%s refused: %r" % (uri, b))
    added = env.get("/v1/cache/config")["added_roots"]
    eq(added, [], "nothing registered")
    # A folder reached through a symlink is registered canonically.
    alias = os.path.join(w.root, "alias")
    os.symlink(w.local, alias)
    res = tc.run_job(env, "/v1/cache/add", {"uri": "file://" + alias})
    eq(res["root"], os.path.realpath(w.local), "canonical root")
    check("local:mymodel" in refs_of(env), "indexed")
    # remove local:NAME only forgets the folder.
    res = tc.run_job(env, "/v1/cache/remove", {"model": "local:mymodel"})
    eq(res.get("unregistered"), os.path.realpath(w.local), "forgotten")
    check("local:mymodel" not in refs_of(env), "no longer indexed")
    eq(env.get("/v1/cache/config")["added_roots"], [], "folder forgotten")
    w.check_stores("remove without delete_files")
    w.check_outside("remove without delete_files")
    # A folder registered by an older version (here: $HOME) is not
    # indexed, and can still be forgotten.
    env.procs[-1].stop()
    tc.write(os.path.join(home, "notes.txt"), b"mine")
    db = sqlite3.connect(os.path.join(env.data, "mlxd.db"))
    db.execute("INSERT INTO cache_roots (path, added_at) VALUES (?, ?)",
               (home, "2026-01-01T00:00:00Z"))
    db.commit()
    db.close()
    start(env, w)
    tc.synced(env)
    check(not any(m["ref"].startswith("local:") for m in
                  env.get("/v1/cache")["models"]), "$HOME is not indexed")
    tc.run_job(env, "/v1/cache/remove", {"model": "file://" + home})
    eq(env.get("/v1/cache/config")["added_roots"], [], "forgotten")
    w.check_stores("a legacy root")
    w.check_outside("a legacy root")


def test_local_remove_delete_files(env):
    """Never do 1 and 3. Defect: removing a local model that is a symlink
    to a folder deleted the empty folders inside the link's target. With
    delete_files only the model's own files go; never over TCP."""
    w = Hostile(env)
    w.build()
    port = tcp_port()
    start(env, w, config=CONFIG + "http:\n  listen: 127.0.0.1:%d\n"
          "  token: t0ken\n" % port)
    tc.synced(env)
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    check("local:linked" in refs_of(env), "the linked model is indexed")
    # Over TCP, with the token: refused.
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/v1/cache/remove", body=json.dumps(
        {"model": "local:mymodel", "delete_files": True}),
        headers={"Authorization": "Bearer t0ken",
                 "Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    c.close()
    eq(r.status, 403, "delete_files over TCP: %r" % body)
    check(os.path.exists(os.path.join(w.local, "mymodel", "w.gguf")),
          "nothing deleted")
    res = tc.run_job(env, "/v1/cache/remove", {"model": "local:linked",
                                               "delete_files": True})
    check(not os.path.lexists(os.path.join(w.local, "linked")),
          "the link itself goes: %r" % res["items"])
    w.check_outside("remove of a linked local model")
    res = tc.run_job(env, "/v1/cache/remove", {"model": "local:mymodel",
                                               "delete_files": True})
    gone = [os.path.join(w.local, "mymodel", "w.gguf"), w.notes]
    w.check_stores("remove with delete_files", gone=gone)
    w.check_outside("remove with delete_files")
    # mlxctl: --delete-files exists and a plain remove deletes nothing.
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    rc, out, err = env.mlxctl("cache", "remove", "local:paper.download")
    eq(rc, 0, "mlxctl remove: %s %s" % (out, err))
    check("no file was deleted" in out, "says so: %r" % out)
    check(os.path.exists(w.paper), "mlxctl remove forgets only")
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    rc, out, err = env.mlxctl("cache", "remove", "--delete-files",
                              "local:paper.download")
    eq(rc, 0, "mlxctl remove --delete-files: %s %s" % (out, err))
    check(not os.path.exists(w.paper), "deleted when asked: %r" % out)
    w.check_outside("mlxctl remove --delete-files")


def test_link_user_files_over_tcp(env):
    """Never do 7 from afar. link_user_files lets dedup turn LM Studio and
    local files into links that dangle once a store deletes the kept copy;
    like delete_files it is refused over the TCP listener (403), dry run
    or not, and the files stay what they were."""
    w = Hostile(env)
    w.build()
    port = tcp_port()
    start(env, w, config=CONFIG + "http:\n  listen: 127.0.0.1:%d\n"
          "  token: t0ken\n" % port)
    tc.synced(env)
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    mine = os.path.join(w.local, "mymodel", "w.gguf")
    users = (mine, w.lms_partial, w.lms_swap)
    before = {p: os.lstat(p) for p in users}
    res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": True,
                                              "method": "symlink",
                                              "link_user_files": True})
    check(any(m["path"] == os.path.realpath(mine) for g in res["groups"]
              for m in g["members"]), "the local copy is a duplicate: %r"
          % res["groups"])
    for method in ("symlink", "hardlink"):
        for dry in (False, True):
            st, b = tcp_post(port, "/v1/cache/dedup", {
                "dry_run": dry, "method": method, "link_user_files": True})
            if st == 202:
                tc.wait_job(env, b["job"])
            eq(st, 403, "%s link_user_files over TCP: %r" % (method, b))
            eq(b["error"]["code"], "forbidden", "error shape: %r" % b)
            check("link_user_files" in b["error"]["message"],
                  "says why: %r" % b)
            for p in users:
                now = os.lstat(p)
                check(stat.S_ISREG(now.st_mode), "%s is still a file" % p)
                eq((now.st_ino, now.st_nlink),
                   (before[p].st_ino, before[p].st_nlink), "same file " + p)
    # Without it, dedup over TCP runs and leaves the user's files alone.
    st, b = tcp_post(port, "/v1/cache/dedup", {"dry_run": False,
                                              "method": "symlink"})
    eq(st, 202, "dedup over TCP: %r" % b)
    tc.wait_job(env, b["job"])
    for p in users:
        eq(os.lstat(p).st_ino, before[p].st_ino, "kept " + p)
    w.check_outside("dedup over TCP")
    w.check_stores("dedup over TCP")
    # On the local socket it is honoured: the test sees a replacement.
    tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                        "method": "symlink",
                                        "link_user_files": True})
    check(os.path.islink(mine), "link_user_files works on the socket")
    w.check_outside("link_user_files on the socket")
    w.check_stores("link_user_files on the socket")


def test_ollama_add_into_links(env):
    """Never do 1. An ollama:// add makes its links in cache.dir/<name>;
    when that name is a symlink to a folder of the user's, or a file, the
    add fails and nothing is written through it or over it. A real folder
    there (mlxd's own) still gets the links."""
    w = Hostile(env)
    w.build()
    cdir = os.path.join(w.root, "mlxd-models")
    os.makedirs(cdir)
    user = os.path.join(w.outside, "adddir")
    tc.write(os.path.join(user, "mine.txt"), b"mine")
    name = os.path.join(cdir, "tiny-latest")
    os.symlink(user, name)
    w.before = snapshot_tree(w.outside)
    start(env, w, config=CONFIG + "  dir: %s\n" % cdir)
    tc.synced(env)
    b = tc.post_job(env, "/v1/cache/add", {"uri": "ollama://tiny"})
    j = tc.wait_job(env, b["job"])
    w.check_outside("ollama:// add into a linked folder")
    eq(j["state"], "failed", "the add fails: %r" % j.get("result"))
    check("tiny-latest" in j["error"], "says where: %r" % j["error"])
    eq(os.readlink(name), user, "the user's link is left alone")
    # A file of the user's in its place: kept as it is.
    os.unlink(name)
    tc.write(name, b"a file of mine")
    ino = os.stat(name).st_ino
    b = tc.post_job(env, "/v1/cache/add", {"uri": "ollama://tiny"})
    j = tc.wait_job(env, b["job"])
    eq(j["state"], "failed", "the add fails: %r" % j.get("result"))
    check(not os.path.islink(name) and os.stat(name).st_ino == ino,
          "the file is kept")
    with open(name, "rb") as f:
        eq(f.read(), b"a file of mine", "its bytes")
    # mlxd's own folder: the links are made there.
    os.unlink(name)
    res = tc.run_job(env, "/v1/cache/add", {"uri": "ollama://tiny"})
    link = os.path.join(name, "tiny-latest.gguf")
    eq([l["path"] for l in res["links"]], [link], "links: %r" % res)
    check(os.path.islink(link) and not os.path.islink(name), "made")
    eq(tc.sha256_file(link), w.sha_a, "the model reads through the link")
    w.check_outside("ollama:// add")
    w.check_stores("ollama:// add")


def test_hostile_every_operation(env):
    """Never do 1, 2, 3 and 5: every operation on the hostile world;
    nothing outside changes, every store file keeps its bytes."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    w.check_outside("sync")
    w.check_stores("sync")
    idx = env.get("/v1/cache")
    evil = [m for m in idx["models"] if m["ref"] == "ollama:evil:latest"]
    eq(len(evil), 1, "the manifest with path digests is listed")
    eq((evil[0]["size_bytes"], evil[0]["files"]), (0, 0),
       "a manifest's path digests reach no file: %r" % evil)
    check(any(x["path"] == evil[0]["path"] and "digest" in x["message"]
              for x in idx["warnings"]), "and a warning says why")
    for method in ("clone", "hardlink", "symlink"):
        res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": True,
                                                  "method": method})
        for g in res["groups"]:
            for m in g["members"]:
                if m["path"].startswith(os.path.realpath(w.outside)):
                    eq(m["role"], "external", "role of %s" % m["path"])
        w.check_outside("dry run " + method)
        w.check_stores("dry run " + method)
    # Swap a store file for a symlink to the user's file after the index.
    os.unlink(w.lms_swap)
    os.symlink(os.path.join(w.outside, "swapvictim.bin"), w.lms_swap)
    del w.hashes[w.lms_swap]
    for method in ("symlink", "hardlink", "clone"):
        b = tc.post_job(env, "/v1/cache/dedup", {
            "dry_run": False, "method": method, "rescan": False,
            "link_user_files": True})
        tc.wait_job(env, b["job"])
        w.check_outside("dedup " + method)
        w.check_stores("dedup " + method)
    for method in ("hardlink", "symlink", "clone"):
        tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                            "method": method,
                                            "link_user_files": True})
        w.check_outside("dedup " + method + " after a rescan")
        w.check_stores("dedup " + method + " after a rescan")
    tc.run_job(env, "/v1/cache/clean", {"dry_run": False})
    w.check_outside("clean")
    w.check_stores("clean", gone=(w.o_part, w.o_part2, w.hf_inc))
    for ref in ("hf:org/evil@" + "2" * 40, "local:linked",
                "ollama:evil.example/library/evilhost:latest",
                "hf:org/alpha@" + "1" * 40):
        check(ref in refs_of(env), "%s is indexed" % ref)
        tc.run_job(env, "/v1/cache/remove", {"model": ref,
                                             "delete_files": True})
        w.check_outside("remove " + ref)
    tc.run_job(env, "/v1/cache/remove", {"model": "local:mymodel"})
    w.check_outside("remove local:mymodel")
    w.check_stores("remove local:mymodel",
                   gone=(w.o_part, w.o_part2, w.hf_inc, os.path.join(
                       w.hub, "models--org--evil", "refs", "main"),
                       os.path.join(w.alpha, "refs", "main"),
                       os.path.join(w.alpha, "blobs", w.sha_a)))


def test_two_daemons(env):
    """Never do 6. Defect: a second daemon on the same data dir recovered
    the first's live journal row. Now it refuses and changes nothing; the
    first's dedup completes."""
    w, pairs = tc.big_world(env, n=300)
    d1 = tc.start(env, w)
    wait_for(lambda: not env.get("/v1/status").get(
        "cache", {"scanning": True})["scanning"], 30, "the start-up scan")
    b = tc.post_job(env, "/v1/cache/dedup", {"dry_run": False,
                                             "method": "hardlink"})
    # Strike while the first daemon is replacing files (its journal has
    # live rows): once the first hard link appears.
    wait_for(lambda: any(os.stat(a).st_ino == os.stat(h).st_ino
                         for a, h in pairs), 60, "the dedup to start")
    running = env.get("/v1/jobs/" + b["job"])["state"] == "running"
    sock2 = os.path.join(env.dir, "run", "second.sock")
    cfg = os.path.join(env.dir, "config2.yaml")
    with open(cfg, "w") as f:
        f.write(tc.CONFIG)
    e = dict(env.base_env)
    e.update(w.extra_env)
    p = subprocess.run([MLXD, "--config", cfg, "--socket", sock2,
                        "--data-dir", env.data], capture_output=True,
                       env=e, timeout=30)
    err = p.stderr.decode()
    eq(p.returncode, 1, "the second daemon exits 1: %s" % err)
    check("another mlxd uses %s (pid %d)" % (env.data, d1.proc.pid) in err,
          "says who holds it: %r" % err)
    check(not os.path.exists(sock2), "it made no socket")
    print("second daemon started while the dedup was %s"
          % ("running" if running else "already done"))
    j = tc.wait_job(env, b["job"], timeout=120)
    eq(j["state"], "done", "the first's dedup completes: %r" % j.get("error"))
    eq(j["result"]["done"], len(pairs), "every pair joined")
    eq(j["result"]["failed"], 0, "no failures")
    w.check_intact()
    eq(env.get("/v1/cache/stats")["ops_pending"], 0, "journal settled")
    eq(stat.S_IMODE(os.stat(env.data).st_mode), 0o700, "data dir 0700")
    eq(stat.S_IMODE(os.stat(os.path.join(env.data, "mlxd.db")).st_mode),
       0o600, "database 0600")


def test_app_names(env):
    """Defect: "." and ".." were accepted as app names (and could not be
    unlinked with mlxctl)."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    app = os.path.join(w.root, "apps", "comfy")
    os.makedirs(app)
    for name in (".", "..", "", "a/b", "x" * 129, "tab\there", "bad\x7f"):
        st, _, b = env.request("POST", "/v1/cache/apps",
                               body={"path": app, "name": name})
        eq(st, 400, "app name %r refused: %r" % (name, b))
    eq(env.get("/v1/cache/apps")["apps"], [], "none linked")
    for name in ("ComfyUI 2", "x" * 128, "日本語"):
        st, _, b = env.request("POST", "/v1/cache/apps",
                               body={"path": app, "name": name})
        eq(st, 201, "app name %r accepted: %r" % (name, b))
        tc.wait_job(env, b["job"])
    rc, out, err = env.mlxctl("cache", "link", app, "..")
    check(rc != 0, "mlxctl refuses '..': %s" % out)
    rc, out, err = env.mlxctl("cache", "unlink", "ComfyUI 2")
    eq(rc, 0, "mlxctl unlinks a name with a space: %s" % err)


def test_outside_hard_links(env):
    """Never do 1. A store file the user hard-linked into a folder of
    theirs: dedup must not change that file (its inode, link count and
    mode) by replacing the store's name or by linking more names to it;
    sharing it in place (same inode) is the only change allowed."""
    for method in ("hardlink", "symlink", "clone"):
        w = Hostile(env, top=os.path.join(env.dir, method))
        w.build()
        # Both copies of A in the stores are hard-linked by the user.
        hf_a = os.path.join(w.alpha, "blobs", w.sha_a)
        mine = os.path.join(w.outside, "mine")
        os.makedirs(mine)
        os.link(w.blob_a, os.path.join(mine, "ollama-copy.gguf"))
        os.link(hf_a, os.path.join(mine, "hf-copy.gguf"))
        os.link(w.lms_partial, os.path.join(mine, "lms-copy.gguf"))
        w.before = snapshot_tree(w.outside)
        d = start(env, w)
        tc.synced(env)
        res = tc.run_job(env, "/v1/cache/dedup", {
            "dry_run": False, "method": method, "link_user_files": True})
        w.check_outside("dedup " + method)
        w.check_stores("dedup " + method)
        for p in (w.blob_a, hf_a, w.lms_partial):
            a = [x for x in res["actions"]
                 if x["target"] == os.path.realpath(p)]
            for x in a:
                check(x["outcome"] != "done" or method == "clone",
                      "%s replaced: %r" % (p, x))
        d.stop()
        env.procs.remove(d)


def test_cache_dir_user_files(env):
    """Never do 3. cache.dir set to a folder that holds the user's own
    files (not only the links ollama:// adds make): remove without
    delete_files deletes only links there, never a file of the user's,
    also over the TCP listener."""
    w = Hostile(env)
    w.build()
    port = tcp_port()
    start(env, w, config=CONFIG + "  dir: %s\nhttp:\n  listen: "
          "127.0.0.1:%d\n  token: t0ken\n" % (w.local, port))
    tc.synced(env)
    check("local:mymodel" in refs_of(env), "cache.dir is indexed")
    res = tc.run_job(env, "/v1/cache/add", {"uri": "ollama://tiny"})
    link = res["links"][0]["path"]
    w.before = snapshot_tree(w.outside)
    mine = os.path.join(w.local, "mymodel", "w.gguf")
    before = os.stat(mine)
    empty = os.path.join(w.local, "mymodel", "drafts", "empty")
    os.makedirs(empty)
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/v1/cache/remove", body=json.dumps(
        {"model": "local:mymodel"}),
        headers={"Authorization": "Bearer t0ken",
                 "Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read() or b"{}")
    c.close()
    if r.status == 202:
        tc.wait_job(env, body["job"])
    check(os.path.exists(mine), "kept by a remove over TCP: %r" % body)
    res = tc.run_job(env, "/v1/cache/remove", {"model": "local:mymodel"})
    check(os.path.exists(mine), "the user's file in cache.dir is kept: %r"
          % res.get("items"))
    eq(os.stat(mine).st_ino, before.st_ino, "same file")
    check(os.path.exists(w.notes), "kept: %s" % w.notes)
    check(os.path.isdir(empty), "an empty folder of the user's is kept")
    res = tc.run_job(env, "/v1/cache/remove", {"model":
                                               "local:paper.download"})
    check(os.path.exists(w.paper), "a loose file of the user's is kept")
    w.check_stores("remove in cache.dir")
    w.check_outside("remove in cache.dir")
    # The links ollama:// made there still go without delete_files.
    ref = "local:" + os.path.relpath(os.path.dirname(link), w.local)
    tc.run_job(env, "/v1/cache/remove", {"model": ref})
    check(not os.path.lexists(link), "mlxd's own link removed")
    w.check_stores("remove of a link in cache.dir")


def test_store_root_is_a_link(env):
    """A careless but ordinary setup: OLLAMA_MODELS and HF_HUB_CACHE name
    symlinks to the real folders (a second disk). The stores are still the
    user's stores: dedup shares their files, remove deletes a model's own
    files, and nothing outside changes."""
    w = Hostile(env)
    w.build()
    real_o, real_h = w.ollama, w.hub
    alias_o = os.path.join(w.root, "ollama-link")
    alias_h = os.path.join(w.root, "hub-link")
    os.symlink(real_o, alias_o)
    os.symlink(real_h, alias_h)
    w.extra_env["OLLAMA_MODELS"] = alias_o
    w.extra_env["HF_HUB_CACHE"] = alias_h
    start(env, w)
    tc.synced(env)
    refs = refs_of(env)
    check("ollama:tiny:latest" in refs and "hf:org/alpha@" + "1" * 40 in
          refs, "both stores indexed through their links: %r" % sorted(refs))
    res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                              "method": "hardlink"})
    hf_a = os.path.join(real_h, "models--org--alpha", "blobs", w.sha_a)
    eq(os.stat(hf_a).st_ino, os.stat(w.blob_a).st_ino,
       "the HF copy shares the Ollama blob: %r" % res["actions"])
    w.check_outside("dedup through linked roots")
    w.check_stores("dedup through linked roots")
    res = tc.run_job(env, "/v1/cache/remove", {
        "model": "ollama:tiny:latest", "force": True})
    check(not os.path.exists(os.path.join(
        real_o, "manifests", "registry.ollama.ai", "library", "tiny",
        "latest")), "the manifest went")
    # Blob A is also used by the manifest reached through evil.example.
    check(any(i["path"] == w.blob_a and i["action"] == "kept" and
              "still used" in i["reason"] for i in res["items"]),
          "the shared blob is kept, and why: %r" % res["items"])
    w.check_stores("remove through linked roots", gone=(os.path.join(
        real_o, "manifests", "registry.ollama.ai", "library", "tiny",
        "latest"),))
    check(os.path.islink(alias_o) and os.path.islink(alias_h),
          "the links to the stores are left alone")
    w.check_outside("remove through linked roots")


def test_blobs_dir_is_a_link(env):
    """Never do 1. Ollama's blobs/ folder and an HF repo folder are
    symlinks to folders of the user's: everything found through them is
    external; dedup, clean and remove change nothing there."""
    w = Hostile(env)
    w.build()
    o = w.outside
    # Move the Ollama blobs and the alpha repo out, link them back.
    for src, name in ((os.path.join(w.ollama, "blobs"), "oblobs"),
                      (w.alpha, "alpharepo")):
        dst = os.path.join(o, name)
        os.rename(src, dst)
        os.symlink(dst, src)
    stale = time.time() - 2 * DAY
    tc.write(os.path.join(o, "oblobs", "sha256-" + "ef" * 32 + "-partial"),
             b"mine", mtime=stale)
    w.hashes = {p: d for p, d in w.hashes.items()
                if not p.startswith((os.path.join(w.ollama, "blobs"),
                                     w.alpha))}
    w.before = snapshot_tree(o)
    start(env, w)
    tc.synced(env)
    res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": True,
                                              "method": "hardlink"})
    for g in res["groups"]:
        for m in g["members"]:
            if m["path"].startswith(os.path.realpath(o)):
                eq(m["role"], "external", "role of %s" % m["path"])
    for method in ("hardlink", "symlink", "clone"):
        tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                            "method": method,
                                            "link_user_files": True})
        w.check_outside("dedup " + method)
    tc.run_job(env, "/v1/cache/clean", {"dry_run": False,
                                        "kinds": ["orphan_blob",
                                                  "detached_revision",
                                                  "stale_partial",
                                                  "stale_temp"]})
    w.check_outside("clean")
    refs = refs_of(env)
    for ref in ("ollama:tiny:latest", "hf:org/alpha@" + "1" * 40):
        check(ref in refs, "%s is indexed" % ref)
        tc.run_job(env, "/v1/cache/remove", {"model": ref,
                                             "force": True})
        w.check_outside("remove " + ref)
    w.check_stores("all of it", gone=(os.path.join(
        w.ollama, "manifests", "registry.ollama.ai", "library", "tiny",
        "latest"),))


def test_cache_headers(env):
    """The cache engine lives in daemon/cache/ and the rest of the daemon
    and the clients see it through cache.h only; cache.h itself pulls in
    none of the engine's internal headers."""
    src = os.environ.get("MLXD_SOURCE_ROOT",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    cache = os.path.join(src, "daemon", "cache")
    inner = {f for f in os.listdir(cache) if f.endswith(".h")}
    check("cache.h" in inner and "where.h" in inner, "daemon/cache/ headers")
    bad = []
    for top in ("daemon", "clients", "include"):
        for d, dirs, files in os.walk(os.path.join(src, top)):
            if os.path.realpath(d).startswith(os.path.realpath(cache)):
                continue
            for f in files:
                if not f.endswith((".c", ".h", ".m")):
                    continue
                with open(os.path.join(d, f), errors="replace") as fh:
                    for line in fh:
                        line = line.strip()
                        if not line.startswith("#include \""):
                            continue
                        h = line.split('"')[1]
                        if h in inner and h != "cache.h":
                            bad.append("%s: %s" % (os.path.join(d, f), h))
    eq(bad, [], "internal cache headers included outside daemon/cache/")
    with open(os.path.join(cache, "cache.h")) as fh:
        incs = [ln.split('"')[1] for ln in fh
                if ln.startswith("#include \"")]
    eq(incs, [], "cache.h includes no engine header")


def test_unused_with_app_unmounted(env):
    """A linked app whose folder is gone (a disk not mounted) must not make
    the models it uses look unused: clean unused_model is refused and no
    model is deleted."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    app = os.path.join(w.root, "disk", "comfy")
    os.makedirs(app)
    os.symlink(w.blob_a, os.path.join(app, "model.gguf"))
    st, _, b = env.request("POST", "/v1/cache/apps",
                           body={"path": app, "name": "comfy"})
    eq(st, 201, "linked: %r" % b)
    tc.wait_job(env, b["job"])
    os.rename(os.path.join(w.root, "disk"), os.path.join(w.root, "gone"))
    st, _, b = env.request("POST", "/v1/cache/clean", body={
        "dry_run": False, "kinds": ["unused_model"]})
    eq(st, 400, "refused while the app's folder is missing: %r" % b)
    check("comfy" in b["error"]["message"], "names the app: %r" % b)
    w.check_stores("clean unused_model with an app missing")
    w.check_outside("clean unused_model with an app missing")
    os.rename(os.path.join(w.root, "gone"), os.path.join(w.root, "disk"))
    res = tc.run_job(env, "/v1/cache/clean", {"dry_run": True,
                                              "kinds": ["unused_model"]})
    check(not any(i["path"].endswith("/tiny/latest")
                  for i in res["items"]), "tiny is used by comfy: %r"
          % [i["path"] for i in res["items"]])


def test_fifo_in_place_of_a_file(env):
    """Files the scan reads (LM Studio's settings.json and home pointer)
    that are FIFOs never block the scan: the index still completes."""
    w = Hostile(env)
    w.build()
    home = w.extra_env["HOME"]
    cfg = os.path.join(env.base_env.get("XDG_CONFIG_HOME") or
                       os.path.join(home, ".config"), "LM Studio")
    os.makedirs(cfg, exist_ok=True)
    for p in (os.path.join(home, ".lmstudio-home-pointer"),
              os.path.join(cfg, "settings.json")):
        if os.path.lexists(p):
            os.unlink(p)
        os.mkfifo(p)
    start(env, w)
    tc.synced(env)
    check("ollama:tiny:latest" in refs_of(env), "the scan completed")


def test_hf_add_through_links(env):
    """Never do 1. hf:// downloads into a repo folder whose snapshots/<rev>,
    refs/ or .locks/ folder is a symlink to a folder of the user's holding
    files of the same names: the download fails and those files are left
    as they were (no file replaced by a link, none created)."""
    w = Hostile(env)
    w.build()
    commit = "1" * 40
    o = w.outside
    repo = os.path.join(w.hub, "models--acme--tiny-model")
    cases = (("snapshots/" + commit, "snaps2", "model.safetensors"),
             ("refs", "refs2", "main"),
             (".locks", "locks2", "x"))
    for i, (rel, name, victim) in enumerate(cases):
        if os.path.lexists(repo):
            subprocess.run(["rm", "-rf", repo], check=True)
        locks = os.path.join(w.hub, ".locks")
        if os.path.lexists(locks):
            subprocess.run(["rm", "-rf", locks], check=True)
        tc.write(os.path.join(o, name, victim), b"mine %d\n" % i)
        where = (os.path.join(w.hub, ".locks") if rel == ".locks" else
                 os.path.join(repo, rel))
        os.makedirs(os.path.dirname(where), exist_ok=True)
        os.symlink(os.path.join(o, name), where)
        w.before = snapshot_tree(o)
        if i == 0:
            hub = tc.HfSim(env)
            w.extra_env["HF_ENDPOINT"] = hub.url
            start(env, w)
            tc.synced(env)
        b = tc.post_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        j = tc.wait_job(env, b["job"])
        eq(j["state"], "failed", "%s linked out: the add fails: %r"
           % (rel, j.get("result")))
        w.check_outside("hf:// add with %s linked out" % rel)


def test_file_add_data_dir(env):
    """Never do 4. file:// refuses mlxd's own data dir, a folder inside it
    and a folder holding it: the database would be listed as a model, and
    remove --delete-files could then delete it."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    inside = os.path.join(env.data, "inside")
    os.makedirs(inside, exist_ok=True)
    for d in (env.data, inside, os.path.dirname(env.data)):
        st, _, b = env.request("POST", "/v1/cache/add",
                               body={"uri": "file://" + d})
        eq(st, 400, "file://%s refused: %r" % (d, b))
        check("mlxd's own data" in b["error"]["message"] or
              d == os.path.dirname(env.data), "says why: %r" % b)
    eq(env.get("/v1/cache/config")["added_roots"], [], "nothing registered")
    check(not any(m["ref"].startswith("local:mlxd") for m in
                  env.get("/v1/cache")["models"]), "the database is no model")


def test_roots_hold_data_dir(env):
    """Never do 4. A folder in cache.roots, or one an older version
    registered, that is mlxd's data dir, lies inside it or holds it (or is
    $HOME) is not indexed and the log says why: the database would be listed as a
    model, and remove --delete-files could then delete it. It can still be
    forgotten."""
    w = Hostile(env)
    w.build()
    holder = os.path.join(w.root, "state")
    data = os.path.join(holder, "mlxd")
    inside = os.path.join(data, "inside")
    args = ("--data-dir", data)
    d = start(env, w, args=args)
    tc.synced(env)
    d.stop()
    env.procs.remove(d)
    db_path = os.path.join(data, "mlxd.db")
    check(os.path.exists(db_path), "%s is the data dir in use" % data)
    tc.write(os.path.join(inside, "m", "w.gguf"), tc.gguf(w.rng, 90 * KIB))
    db = sqlite3.connect(db_path)
    for p in (data, inside):
        db.execute("INSERT INTO cache_roots (path, added_at) VALUES (?, ?)",
                   (p, "2026-01-01T00:00:00Z"))
    db.commit()
    db.close()
    d = start(env, w, args=args, config=CONFIG + "  roots:\n" + "".join(
        "    - %s\n" % p for p in (holder, data, inside, w.home, w.local)))
    tc.synced(env)
    refs = refs_of(env)
    check("local:mymodel" in refs, "a good root is indexed: %r" % sorted(refs))
    for top in (holder, w.home):
        real = os.path.realpath(top)
        bad = [r for r, m in refs.items() if r.startswith("local:") and
               (m["path"] + "/").startswith(real + "/")]
        eq(bad, [], "nothing in %s is indexed as local" % top)
    log = d.read_log()
    check("%s is not indexed" % w.home in log, "$HOME in cache.roots")
    for p in (holder, data, inside):
        check("%s is not indexed" % p in log and "mlxd's own data" in log,
              "the log says why %s is not indexed" % p)
    for p in (data, inside):
        tc.run_job(env, "/v1/cache/remove", {"model": "file://" + p})
    eq(env.get("/v1/cache/config")["added_roots"], [], "forgotten")
    check(os.path.exists(db_path), "the database is kept")


def test_clean_leaves_local_folders(env):
    """Never do 3. clean with every kind, a linked app using one model only
    (so every other model is unused): nothing in a local folder changes,
    while the stores' unused models and partials do go."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    app = os.path.join(w.root, "comfy")
    os.makedirs(app)
    os.symlink(w.blob_a, os.path.join(app, "model.gguf"))
    st, _, b = env.request("POST", "/v1/cache/apps",
                           body={"path": app, "name": "comfy"})
    eq(st, 201, "linked: %r" % b)
    tc.wait_job(env, b["job"])
    check(any(r.startswith("local:") for r in refs_of(env)), "local models")
    mine = snapshot_tree(w.local)
    res = tc.run_job(env, "/v1/cache/clean", {
        "dry_run": False, "kinds": ["orphan_blob", "detached_revision",
                                    "stale_partial", "stale_temp",
                                    "unused_model"]})
    done = [i for i in res["items"] if i["action"] == "deleted"]
    check(any(i["kind"] == "unused_model" for i in done),
          "unused store models go: %r" % res["items"])
    check(not os.path.exists(w.o_part), "a stale Ollama partial goes")
    local = os.path.realpath(w.local)
    eq([i for i in res["items"] if i["path"].startswith(local)], [],
       "no item in the local folder")
    eq(snapshot_tree(w.local), mine, "the local folder is as it was")
    check(os.path.exists(w.blob_a), "the app's model is kept")
    w.check_outside("clean of every kind")


def test_user_files_stay_files(env):
    """Never do 7. Without link_user_files, dedup by hard link and by
    symlink leaves every LM Studio and local file the file it was (same
    inode, link count and mode), while store blobs are still shared."""
    w = Hostile(env)
    w.build()
    start(env, w)
    tc.synced(env)
    tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
    users = (os.path.join(w.local, "mymodel", "w.gguf"), w.lms_partial,
             w.lms_swap)

    def ident(p):
        st = os.lstat(p)
        return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                st.st_ino, st.st_nlink)
    before = {p: ident(p) for p in users}
    hf_a = os.path.join(w.alpha, "blobs", w.sha_a)
    for method in ("hardlink", "symlink"):
        res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                                  "method": method})
        for p in users:
            eq(ident(p), before[p], "%s: %s stays a file of its own"
               % (method, p))
            check(any(a["target"] == os.path.realpath(p) and
                      a["outcome"] == "skipped" for a in res["actions"]),
                  "%s: %s is reported skipped: %r" % (method, p,
                                                      res["actions"]))
        w.check_stores("dedup " + method)
        w.check_outside("dedup " + method)
    eq(os.stat(hf_a).st_ino, os.stat(w.blob_a).st_ino,
       "store blobs are shared")


def test_lmstudio_folder_is_a_link(env):
    """Never do 1. An LM Studio model folder that is a symlink to a folder
    of the user's: its files are external; dedup by every method (with
    link_user_files), clean and remove change nothing there."""
    w = Hostile(env)
    w.build()
    mine = os.path.join(w.outside, "lmsdir")
    tc.write(os.path.join(mine, "linked-q4.gguf"), w.A)
    os.chmod(os.path.join(mine, "linked-q4.gguf"), 0o640)
    os.symlink(mine, os.path.join(w.lms, "pub", "linked-GGUF"))
    w.before = snapshot_tree(w.outside)
    start(env, w)
    tc.synced(env)
    ref = "lmstudio:pub/linked-GGUF"
    check(ref in refs_of(env), "indexed: %r" % sorted(refs_of(env)))
    res = tc.run_job(env, "/v1/cache/dedup", {"dry_run": True,
                                              "method": "hardlink"})
    real = os.path.realpath(mine)
    seen = [m for g in res["groups"] for m in g["members"]
            if m["path"].startswith(real + "/")]
    check(seen, "the linked copy is found: %r" % res["groups"])
    for m in seen:
        eq(m["role"], "external", "role of %s" % m["path"])
    for method in ("hardlink", "symlink", "clone"):
        tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                            "method": method,
                                            "link_user_files": True})
        w.check_outside("dedup " + method)
    tc.run_job(env, "/v1/cache/clean", {"dry_run": False})
    w.check_outside("clean")
    tc.run_job(env, "/v1/cache/remove", {"model": ref, "force": True})
    w.check_outside("remove " + ref)
    w.check_stores("all of it", gone=(w.o_part, w.o_part2, w.hf_inc))


if __name__ == "__main__":
    run([test_partial_names, test_symlinked_snapshot, test_file_add_refused,
         test_local_remove_delete_files, test_hostile_every_operation,
         test_two_daemons, test_app_names, test_outside_hard_links,
         test_cache_dir_user_files, test_store_root_is_a_link,
         test_blobs_dir_is_a_link, test_cache_headers,
         test_unused_with_app_unmounted, test_fifo_in_place_of_a_file,
         test_hf_add_through_links, test_file_add_data_dir,
         test_link_user_files_over_tcp, test_ollama_add_into_links,
         test_roots_hold_data_dir, test_clean_leaves_local_folders,
         test_user_files_stay_files, test_lmstudio_folder_is_a_link])
