# SPDX-License-Identifier: ISC
"""tests/interop/test_bgp_bird.py - hybridgwd's BGP speaker against BIRD 2.0.12:
routes both ways (IPv4, IPv6 over one session), withdrawals. (With
`enable as4 off` BIRD still reads our 4-octet AS capability and refuses
AS_TRANS: the 2-octet peer case is in test_bgp_exabgp.py.)"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bgp_helpers as H  # noqa: E402
from bgp_helpers import util  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

R4 = ['192.0.2.0/24', '198.51.100.0/25']
R6 = ['2001:db8:100::/48']
LOCAL = ['203.0.113.0/24', '2001:db8:200::/48']


def bird_table(b, table):
	return set(b.routes(table)) if table == 't4' else set(
		l.split()[0] for l in b.birdc('show route table t6').splitlines()
		if l.startswith('2001:'))


def test_bird_established_routes_both_ways(netns, workdir, hgwd, bird):
	gw, pe = H.link(netns)
	b = bird(pe, H.bird_conf(R4, R6))
	d = hgwd(gw, H.gw_config(os.path.join(workdir, 'gw.xml'), local_prefixes=LOCAL))
	H.wait_state(d)
	b.wait_established('gwpeer')
	r = H.wait_routes(d, lambda r: set(R4 + R6) <= set(r))
	assert r['192.0.2.0/24']['next-hop'] == H.PEER4
	assert r['192.0.2.0/24']['as-path'] == '65002'
	assert r['2001:db8:100::/48']['next-hop'] == H.PEER6
	# us -> BIRD
	util.wait_for(lambda: '203.0.113.0/24' in bird_table(b, 't4') and
		      '2001:db8:200::/48' in bird_table(b, 't6'), 10, 0.2, 'BIRD has our prefixes')
	out = b.birdc('show route table t4 203.0.113.0/24 all')
	assert 'BGP.as_path: 65001' in out
	assert 'BGP.next_hop: 10.0.0.1' in out
	# BIRD withdraws one (its static protocol goes down)
	b.birdc('disable s6')
	H.wait_routes(d, lambda r: '2001:db8:100::/48' not in r and '192.0.2.0/24' in r,
		      what='IPv6 withdrawal')
	assert H.state(d) == 'established'
