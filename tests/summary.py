#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Add up meson's test logs of every build given and print one closing
line, "N passed, N failed"; exit 1 if anything failed or nothing ran."""
import json
import os
import sys

passed = failed = skipped = 0
for build in sys.argv[1:]:
    log = os.path.join(build, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        print("%s: no test log (the build or the test run failed)" % build)
        failed += 1
        continue
    for line in open(log):
        r = json.loads(line)
        res = r.get("result")
        name = "%s %s" % (os.path.basename(build), r.get("name"))
        if res == "OK" or res == "EXPECTEDFAIL":
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
            print("FAILED: %s (%s)" % (name, res))
if skipped:
    print("%d skipped" % skipped)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or passed == 0 else 0)
