# SPDX-License-Identifier: ISC
"""The hostile world of test_cache_safety with LM Studio's store on a
second filesystem (a tmpfs, mounted as root): dedup by every method across
the two filesystems, clean and remove change nothing outside the stores
and lose no byte of a store file. Without root (or without mount) the
test exits 77, which the test runner shows as skipped."""
import os
import subprocess
import sys

from harness import run

import test_cache as tc
import test_cache_safety as ts


def test_store_on_second_filesystem(env):
    w = ts.Hostile(env)
    mnt = os.path.join(env.dir, "mnt")
    os.makedirs(mnt)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs",
                        mnt], capture_output=True)
    if p.returncode != 0:
        print("cannot mount a tmpfs: %s" % p.stderr.decode().strip())
        sys.exit(77)
    try:
        lms = os.path.join(mnt, "lms")
        os.makedirs(lms)
        os.makedirs(os.path.dirname(w.lms))
        os.symlink(lms, w.lms)
        w.build()
        ts.start(env, w)
        tc.synced(env)
        tc.run_job(env, "/v1/cache/add", {"uri": "file://" + w.local})
        for method in ("hardlink", "symlink", "clone"):
            tc.run_job(env, "/v1/cache/dedup", {"dry_run": True,
                                                "method": method})
            tc.run_job(env, "/v1/cache/dedup", {"dry_run": False,
                                                "method": method,
                                                "link_user_files": True})
            w.check_outside("dedup across filesystems by " + method)
            w.check_stores("dedup across filesystems by " + method)
        tc.run_job(env, "/v1/cache/clean", {"dry_run": False})
        gone = (w.o_part, w.o_part2, w.hf_inc)
        w.check_outside("clean")
        w.check_stores("clean", gone=gone)
        tc.run_job(env, "/v1/cache/remove", {"model": "local:mymodel"})
        w.check_outside("remove")
        w.check_stores("remove", gone=gone)
    finally:
        for pr in reversed(env.procs):
            try:
                pr.stop()
            except Exception:
                pass
        env.procs.clear()
        subprocess.run(["umount", "-l", mnt])


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root to mount a tmpfs")
        sys.exit(77)
    run([test_store_on_second_filesystem])
