#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Compile the macOS-only code on any OS, syntax only.

Every daemon/*_darwin.c and every client or daemon file with an MLXD_DARWIN
(or MLXD_DLOPEN_LIBS, false there) branch is compiled with -fsyntax-only,
the project's C standard and warning flags (read from meson.build) and
-Werror, against tests/darwin/sdk/: headers
that declare exactly the Apple API the code uses, with the SDK header named
beside each. config.h is generated with MLXD_DARWIN=1. This cannot prove
that Xcode builds the code, but it catches typos, wrong types, missing
declarations, shadowing and the other warnings before a Mac does.

usage: check_compile.py CC [CC args...]
(clang, Apple's compiler family, is used as well when it is on PATH.)
"""
import shutil
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.environ.get(
    "MLXD_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..")))
SDK = os.path.join(ROOT, "tests", "darwin", "sdk")

CONFIG = """#define MLXD_VERSION "0.0.0-darwin-check"
#define MLXD_API_VERSION_NUM 1
#define HAVE_SO_PEERCRED 0
#define HAVE_GETPEEREID 1
#define HAVE_MALLOC_TRIM 0
#define HAVE_LIBCRYPTO 1
#define MLXD_DARWIN 1
#define MLXD_LINUX 0
#define MLXD_DLOPEN_LIBS 0
"""


def project_flags():
    text = open(os.path.join(ROOT, "meson.build")).read()
    m = re.search(r"add_project_arguments\(cc\.get_supported_arguments\(\[(.*?)\]\)",
                  text, re.S)
    flags = re.findall(r"'([^']+)'", m.group(1)) if m else []
    std = re.search(r"'c_std=([^']+)'", text)
    return ["-std=" + (std.group(1) if std else "c17"), "-Wall", "-Wextra",
            "-Werror"] + flags


def sources():
    files = sorted(glob.glob(os.path.join(ROOT, "daemon", "**", "*_darwin.c"),
                             recursive=True))
    for pat in ("daemon/**/*.c", "clients/**/*.c"):
        for f in sorted(glob.glob(os.path.join(ROOT, pat), recursive=True)):
            if f in files or f.endswith("_darwin_calc.c"):
                continue
            if re.search(r"\bMLXD_(DARWIN|DLOPEN_LIBS)\b",
                         open(f, errors="replace").read()):
                files.append(f)
    return files


def include_dirs():
    dirs = [SDK]
    for d in ("include", "daemon", "daemon/cache", "clients/sdk",
              "clients/mlxctl", "clients/menubar"):
        dirs.append(os.path.join(ROOT, d))
    return dirs


def main():
    ccs = [sys.argv[1:] or [os.environ.get("CC", "cc")]]
    clang = shutil.which("clang")
    if clang and "clang" not in subprocess.run(
            ccs[0] + ["--version"], capture_output=True, text=True).stdout:
        ccs.append([clang])
    flags = project_flags()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "config.h"), "w") as f:
            f.write(CONFIG)
        # Generated headers the sources include (schema tables etc.) come
        # from the build tree when one is given.
        incs = ["-I" + tmp] + ["-I" + d for d in include_dirs()]
        build = os.environ.get("MLXD_BUILD_ROOT")
        if build:
            for d in ("", "schema", "include", "daemon"):
                incs.append("-I" + os.path.join(build, d))
        files = sources()
        for cc in ccs:
            for src in files:
                cmd = cc + ["-fsyntax-only"] + flags + incs + [src]
                p = subprocess.run(cmd, capture_output=True, text=True)
                rel = "%s (%s)" % (os.path.relpath(src, ROOT),
                                   os.path.basename(cc[0]))
                if p.returncode != 0:
                    failed += 1
                    print("FAIL: " + rel)
                    sys.stdout.write(p.stderr)
                else:
                    print("ok: " + rel)
    must = ["daemon/metrics_darwin.c", "daemon/osdep_darwin.c",
            "daemon/smc_darwin.c", "clients/menubar/mlxbar.c",
            "clients/mlxctl/mlxctl.c"]
    got = {os.path.relpath(f, ROOT) for f in files}
    for m in must:
        if m not in got:
            failed += 1
            print("FAIL: %s was not checked" % m)
    print("%d files, %d failed" % (len(files), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
