# SPDX-License-Identifier: ISC
"""The lab harness checks itself against the real daemons (tests/lib/hgwlab/selftest.py),
and the default lab comes up with every BGP session established and every host
reaching every other through the gateway."""
import os
import subprocess
import sys

SRC = os.environ.get("HGW_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))


def test_harness_selftest():
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "hgwlab/selftest.py"], cwd=os.path.join(SRC, "tests", "lib"),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
