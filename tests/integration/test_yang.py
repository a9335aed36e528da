# SPDX-License-Identifier: ISC
"""The YANG models lint clean with yanglint, and the example configs validate against them."""
import os
import subprocess
import glob
import pytest

SRC = os.environ.get("HGW_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
YANG = os.path.join(SRC, "yang")
PATHS = ["-p", YANG, "-p", os.path.join(YANG, "ietf")]


def yanglint(*args):
    return subprocess.run(["yanglint", *PATHS, *args], capture_output=True, text=True)


def our_modules():
    mods = sorted(glob.glob(os.path.join(YANG, "hybridgw*.yang")))
    assert mods, "no hybridgw YANG modules found"
    return mods


@pytest.mark.parametrize("mod", our_modules(), ids=os.path.basename)
def test_module_lints_clean(mod):
    r = yanglint(mod)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", f"yanglint warnings: {r.stderr}"


@pytest.mark.parametrize("example", sorted(glob.glob(os.path.join(SRC, "docs", "examples", "*.xml")) +
                                         glob.glob(os.path.join(SRC, "docs", "examples", "*.json"))),
                         ids=os.path.basename)
def test_examples_validate(example):
    r = yanglint("-t", "config", *our_modules(), example)
    assert r.returncode == 0, r.stderr


def test_invalid_config_is_refused_with_path(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<gateway xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw">'
                   '<router-id>192.0.2.1</router-id><as>65010</as>'
                   '<policy><maximum-paths>0</maximum-paths></policy></gateway>')
    r = yanglint("-t", "config", os.path.join(YANG, "hybridgw.yang"), str(bad))
    assert r.returncode != 0
    assert "maximum-paths" in r.stderr


def test_inside_address_keeps_its_host_bits(tmp_path):
    """A tunnel's inside-address is the gateway's own address (BGP and BFD bind
    to it): as inet:ip-prefix, libyang's canonical form cleared the host bits
    (169.254.21.2/30 became 169.254.21.0/30, and every connect failed)."""
    conf = os.path.join(SRC, "topologies", "configs", "scenario-failover", "gw", "hybridgw.xml")
    r = yanglint("-t", "config", "-f", "xml", *our_modules(), conf)
    assert r.returncode == 0, r.stderr
    assert "<inside-address>169.254.21.2/30</inside-address>" in r.stdout, r.stdout
    bad = tmp_path / "bad.xml"
    with open(conf) as f:
        bad.write_text(f.read().replace("169.254.21.2/30", "169.254.21.2/33"))
    r = yanglint("-t", "config", *our_modules(), str(bad))
    assert r.returncode != 0
    assert "inside-address" in r.stderr
