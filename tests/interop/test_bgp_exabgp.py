"""tests/interop/test_bgp_exabgp.py - hybridgwd's BGP speaker against ExaBGP 4.2:
Established, routes both ways (announce/withdraw through ExaBGP's API, what
we send logged by an ExaBGP process as JSON), and an UPDATE with an
unrecognised optional transitive attribute (accepted, passed through)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bgp_helpers as H  # noqa: E402
from bgp_helpers import util  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

LOCAL = ['203.0.113.0/24', '2001:db8:200::/48']

EXA_CONF = '''process rcv {
  run $DIR/rcv.sh;
  encoder json;
}
neighbor %s {
  router-id %s;
  local-address %s;
  local-as %d;
  peer-as %d;
  hold-time 9;
  family { ipv4 unicast; ipv6 unicast; }
  api { processes [ rcv ]; receive { parsed; update; } }
  static {
    route 192.0.2.0/24 next-hop self;
    route 2001:db8:100::/48 next-hop 2001:db8::2;
  }
}
''' % (H.GW4, H.PEER4, H.PEER4, H.PEER_AS, H.GW_AS)


def received(x):
	"""Prefixes ExaBGP got from us (announced minus withdrawn), from its log."""
	have = set()
	try:
		with open(os.path.join(x.dir, 'received.json')) as f:
			lines = f.read().splitlines()
	except FileNotFoundError:
		return have
	for line in lines:
		try:
			m = json.loads(line)
		except ValueError:
			continue
		upd = m.get('neighbor', {}).get('message', {}).get('update', {})
		for fam in upd.get('announce', {}).values():
			for nhs in fam.values():
				for n in nhs:
					have.add(n['nlri'] if isinstance(n, dict) else n)
		for fam in upd.get('withdraw', {}).values():
			for n in fam:
				have.discard(n['nlri'] if isinstance(n, dict) else n)
	return have


def test_exabgp_routes_both_ways(netns, workdir, hgwd, exabgp):
	gw, pe = H.link(netns)
	xdir = util.make_workdir('exa')
	with open(os.path.join(xdir, 'rcv.sh'), 'w') as f:
		# stdout must stay open (ExaBGP reads commands from it)
		f.write('#!/bin/sh\nwhile read -r line; do printf "%%s\\n" "$line" >> %s/received.json;'
			' done\n' % xdir)
	os.chmod(os.path.join(xdir, 'rcv.sh'), 0o755)
	x = exabgp(pe, EXA_CONF, workdir=xdir)
	d = hgwd(gw, H.gw_config(os.path.join(workdir, 'gw.xml'), local_prefixes=LOCAL))
	H.wait_state(d)
	x.wait_established()
	r = H.wait_routes(d, lambda r: {'192.0.2.0/24', '2001:db8:100::/48'} <= set(r))
	assert r['2001:db8:100::/48']['next-hop'] == H.PEER6
	# an extra route with an unknown optional transitive attribute (type 0xf0)
	x.send('announce route 198.51.100.0/25 next-hop self attribute [ 0xf0 0xc0 0x01020304 ]')
	r = H.wait_routes(d, lambda r: '198.51.100.0/25' in r, what='route with unknown attr')
	assert r['198.51.100.0/25']['accepted'] is True
	x.send('withdraw route 198.51.100.0/25 next-hop self')
	H.wait_routes(d, lambda r: '198.51.100.0/25' not in r, what='withdrawal')
	# us -> ExaBGP
	util.wait_for(lambda: set(LOCAL) <= received(x), 10, 0.2, 'ExaBGP got our prefixes')
	assert H.state(d) == 'established'
