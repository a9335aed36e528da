# SPDX-License-Identifier: ISC
"""tests/interop/test_bgp_gobgp.py - hybridgwd's BGP speaker against GoBGP 3.10:
Established, routes both ways (IPv4 and IPv6 over one session), withdrawals."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bgp_helpers as H  # noqa: E402
from bgp_helpers import util  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

LOCAL = ['203.0.113.0/24', '2001:db8:200::/48']


def gobgp_rib(g, afi):
	out = g.gobgp(['global', 'rib', '-a', afi, '-j'])
	return json.loads(out or '{}')


def test_gobgp_routes_both_ways(netns, workdir, hgwd, gobgp):
	gw, pe = H.link(netns)
	g = gobgp(pe, H.gobgp_conf())
	d = hgwd(gw, H.gw_config(os.path.join(workdir, 'gw.xml'), local_prefixes=LOCAL))
	H.wait_state(d)
	g.wait_established(H.GW4)
	g.gobgp('global rib add 192.0.2.0/24 -a ipv4')
	g.gobgp('global rib add 198.51.100.0/25 -a ipv4')
	g.gobgp('global rib add 2001:db8:100::/48 nexthop 2001:db8::2 -a ipv6')
	r = H.wait_routes(d, lambda r: {'192.0.2.0/24', '198.51.100.0/25',
					'2001:db8:100::/48'} <= set(r))
	assert r['192.0.2.0/24']['as-path'] == '65002'
	assert r['192.0.2.0/24']['next-hop'] == H.PEER4
	# us -> GoBGP
	util.wait_for(lambda: '203.0.113.0/24' in gobgp_rib(g, 'ipv4') and
		      '2001:db8:200::/48' in gobgp_rib(g, 'ipv6'), 10, 0.2, 'GoBGP has our prefixes')
	path = gobgp_rib(g, 'ipv4')['203.0.113.0/24'][0]
	assert path.get('source-asn', 65001) == 65001 or '65001' in json.dumps(path)
	# GoBGP withdraws
	g.gobgp('global rib del 198.51.100.0/25 -a ipv4')
	H.wait_routes(d, lambda r: '198.51.100.0/25' not in r and '192.0.2.0/24' in r,
		      what='withdrawal')
	assert H.state(d) == 'established'
