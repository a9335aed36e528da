# SPDX-License-Identifier: ISC
"""tests/interop/test_bgp_exabgp.py - hybridgwd's BGP speaker against ExaBGP 4.2:
Established, routes both ways (announce/withdraw through ExaBGP's API, what
we send logged by an ExaBGP process as JSON), an UPDATE with an
unrecognised optional transitive attribute (accepted), and a 4-octet local AS
toward an ExaBGP that runs the session 2-octet only (capability asn4 disable)."""

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


def received_attrs(x):
	"""{prefix: attribute dict} of what ExaBGP got from us (withdrawals
	applied), from the JSON its rcv process logged."""
	have = {}
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
		attrs = upd.get('attribute', {})
		for fam in upd.get('announce', {}).values():
			for nhs in fam.values():
				for n in nhs:
					have[n['nlri'] if isinstance(n, dict) else n] = attrs
		for fam in upd.get('withdraw', {}).values():
			for n in fam:
				have.pop(n['nlri'] if isinstance(n, dict) else n, None)
	return have


def received(x):
	return set(received_attrs(x))


def exa_dir():
	xdir = util.make_workdir('exa')
	with open(os.path.join(xdir, 'rcv.sh'), 'w') as f:
		# stdout must stay open (ExaBGP reads commands from it)
		f.write('#!/bin/sh\nwhile read -r line; do printf "%%s\\n" "$line" >> %s/received.json;'
			' done\n' % xdir)
	os.chmod(os.path.join(xdir, 'rcv.sh'), 0o755)
	return xdir


def test_exabgp_routes_both_ways(netns, workdir, hgwd, exabgp):
	gw, pe = H.link(netns)
	xdir = exa_dir()
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


EXA_AS2 = '''process rcv {
  run $DIR/rcv.sh;
  encoder json;
}
neighbor %s {
  router-id %s;
  local-address %s;
  local-as %d;
  peer-as 23456;
  hold-time 9;
  capability { asn4 disable; }
  family { ipv4 unicast; }
  api { processes [ rcv ]; receive { parsed; update; } }
  static { route 192.0.2.0/24 next-hop self; }
}
''' % (H.GW4, H.PEER4, H.PEER4, H.PEER_AS)


def test_exabgp_4octet_local_as_to_2octet_peer(netns, workdir, hgwd, exabgp):
	"""Our AS 4200000001 goes as AS_TRANS (23456) in the OPEN and AS_PATH,
	the real one in AS4_PATH (RFC 6793 4.2.2); the peer's 2-octet path reads
	back as sent."""
	gw, pe = H.link(netns)
	x = exabgp(pe, EXA_AS2, workdir=exa_dir())
	d = hgwd(gw, H.gw_config(os.path.join(workdir, 'gw.xml'), asn=4200000001,
				 local_prefixes=LOCAL[:1]))
	H.wait_state(d)
	x.wait_established()
	assert H.neighbor(d)['capabilities']['four-octet-as'] is False
	assert H.neighbor(d)['local-as'] == 4200000001
	r = H.wait_routes(d, lambda r: '192.0.2.0/24' in r)
	assert r['192.0.2.0/24']['as-path'] == '65002'
	util.wait_for(lambda: '203.0.113.0/24' in received(x), 10, 0.2, 'ExaBGP got our prefix')
	a = received_attrs(x)['203.0.113.0/24']
	# AS_PATH carried AS_TRANS; ExaBGP rebuilt the path from our AS4_PATH
	assert a.get('as-path') == [4200000001], json.dumps(a)
