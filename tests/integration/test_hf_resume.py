# SPDX-License-Identifier: ISC
"""hf:// downloads against tests/hfsim: one `cache add` succeeds through
several dropped connections, each resumed with Range after a backoff;
mlxctl passes its HF_ENDPOINT and HF_TOKEN with the add (the daemon has
neither), the token reaches the hub but no log, database or job record;
the hf.endpoint and hf.token_file options are used when the add names
none; a connection that keeps dropping without progress ends the add."""
import json
import os
import time

from harness import check, eq, run, wait_for
import test_cache as tc

SIZE = 1048576 + 77     # model.safetensors in the simulator's manifest
TOKEN = "hf_simtoken"


def requests(hub, path):
    import urllib.request
    with urllib.request.urlopen(hub.url + "/_sim/requests") as r:
        return [q for q in json.loads(r.read()) if path in q["path"]]


def fault(hub, **kw):
    import urllib.request
    req = urllib.request.Request(hub.url + "/_sim/fault",
                                 data=json.dumps(kw).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def grep_tree(top, needle):
    hits = []
    for d, _, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            try:
                with open(p, "rb") as f:
                    if needle.encode() in f.read():
                        hits.append(p)
            except OSError:
                pass
    return hits


def test_add_survives_drops_with_client_endpoint_and_token(env):
    w = tc.World(env)
    w.build()
    try:
        hub = tc.HfSim(env)
        d = tc.start(env, w)            # the daemon has no HF_ENDPOINT
        tc.synced(env)
        # Three replies in a row break off after 200 kB each.
        fault(hub, kind="drop_after", bytes=200000, times=3,
              match="/cdn/")
        t0 = time.monotonic()
        rc, out, err = env.mlxctl("cache", "add", "hf://acme/tiny-model",
                                  env={"HF_ENDPOINT": hub.url,
                                       "HF_TOKEN": TOKEN})
        took = time.monotonic() - t0
        eq(rc, 0, "the add gets through the drops: %s %s" % (out, err))
        check("Downloaded" in out, out)
        # The LFS file's bytes come from the CDN (a redirect away).
        blob_gets = [q for q in requests(hub, "/cdn/")
                     if q["method"] == "GET"]
        ranges = [q["headers"].get("Range") or q["headers"].get("range")
                  for q in blob_gets]
        check(len(blob_gets) >= 4, "one request per drop and one to end: "
              "%r" % ranges)
        eq(ranges[1:4], ["bytes=200000-", "bytes=400000-",
                         "bytes=600000-"], "each resume asks for the rest")
        # Each try got further, so each waits the first backoff, 0.5 s.
        check(took >= 3 * 0.5 - 0.1, "backoff between tries (%.1fs)"
              % took)
        hub_reqs = requests(hub, "/api/models/acme/tiny-model")
        check(hub_reqs and all(
            (q["headers"].get("Authorization") or
             q["headers"].get("authorization")) == "Bearer " + TOKEN
            for q in hub_reqs), "the token reached the hub")
        snap = os.path.join(w.hub, "models--acme--tiny-model", "snapshots",
                            "1" * 40, "model.safetensors")
        eq(os.path.getsize(snap), SIZE, "the whole file")
        jobs = env.get("/v1/jobs")["jobs"]
        check(TOKEN not in json.dumps(jobs), "no token in the jobs")
        d.stop()
        env.procs.remove(d)
        check(TOKEN not in d.read_log(), "no token in the log")
        eq(grep_tree(env.data, TOKEN), [], "no token in the data dir")
        check("resuming" in d.read_log(), "the resumes are logged")
    finally:
        w.cleanup()


def test_options_and_giving_up(env):
    w = tc.World(env)
    w.build()
    try:
        hub = tc.HfSim(env)
        tokfile = os.path.join(env.dir, "hf-token")
        with open(tokfile, "w") as f:
            f.write(TOKEN + "\n")
        tc.start(env, w, config=tc.CONFIG + "hf:\n  endpoint: %s\n"
                 "  token_file: %s\n" % (hub.url, tokfile))
        tc.synced(env)
        res = tc.run_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        eq(res["revision"], "1" * 40, "downloaded through hf.endpoint")
        q = requests(hub, "/api/models/acme/tiny-model")[-1]
        eq(q["headers"].get("Authorization") or
           q["headers"].get("authorization"), "Bearer " + TOKEN,
           "the token from hf.token_file")
        # A connection that drops before any byte, every time, ends the
        # add after the tries, keeping nothing but the partial file.
        blobs = os.path.join(w.hub, "models--acme--tiny-model", "blobs")
        for n in os.listdir(blobs):
            os.unlink(os.path.join(blobs, n))
        fault(hub, kind="drop_after", bytes=0, match="/cdn/")
        b = tc.post_job(env, "/v1/cache/add",
                        {"uri": "hf://acme/tiny-model"})
        j = tc.wait_job(env, b["job"], timeout=60)
        eq(j["state"], "failed", "gives up without progress")
        check("model.safetensors" in j["error"], j["error"])
        fault(hub, kind="none")
        st, _, e = env.request("POST", "/v1/cache/add",
                               body={"uri": "hf://acme/tiny-model",
                                     "hf_endpoint": "ftp://x"})
        eq(st, 400, "bad endpoint")
    finally:
        w.cleanup()


if __name__ == "__main__":
    run([test_add_survives_drops_with_client_endpoint_and_token,
         test_options_and_giving_up])
