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
