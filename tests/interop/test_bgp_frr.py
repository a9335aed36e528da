# SPDX-License-Identifier: ISC
"""tests/interop/test_bgp_frr.py - hybridgwd's BGP speaker against FRR 8.4 bgpd:
routes both ways (IPv4, IPv6 over the same session), withdrawals, TCP MD5,
route refresh, graceful restart (helper), max-prefix (both actions). (The
2-octet peer case is in test_bgp_bird.py: FRR's dont-capability-negotiate
still reads our 4-octet AS capability and refuses AS_TRANS.)"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bgp_helpers as H  # noqa: E402
from bgp_helpers import util  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

NETS4 = ['192.0.2.0/24', '198.51.100.0/25']
NETS6 = ['2001:db8:100::/48']
LOCAL = ['203.0.113.0/24', '2001:db8:200::/48']


def _gw(workdir, name='gw.xml', **kw):
	return H.gw_config(os.path.join(workdir, name), **kw)


def test_frr_routes_both_ways(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, NETS6))
	d = hgwd(gw, _gw(workdir, local_prefixes=LOCAL))
	H.wait_state(d)
	f.wait_established(H.GW4)

	# peer -> us: both families, next hops and AS path as sent
	r = H.wait_routes(d, lambda r: set(NETS4 + NETS6) <= set(r))
	assert r['192.0.2.0/24']['next-hop'] == H.PEER4
	assert r['192.0.2.0/24']['as-path'] == '65002'
	assert r['2001:db8:100::/48']['next-hop'] == H.PEER6
	n = H.neighbor(d)
	assert n['capabilities']['four-octet-as'] and n['capabilities']['route-refresh']
	assert n['hold-time'] == 9

	# us -> peer: the local prefixes, with our AS and our addresses as next hop
	def frr_has(afi, pfx):
		return pfx in H.frr_routes(f, afi)
	util.wait_for(lambda: frr_has('ipv4', '203.0.113.0/24') and
		      frr_has('ipv6', '2001:db8:200::/48'), 10, 0.1, 'FRR has our prefixes')
	p4 = H.frr_routes(f, 'ipv4')['203.0.113.0/24'][0]
	assert p4['path'] == '65001'
	assert p4['nexthops'][0]['ip'] == H.GW4
	p6 = H.frr_routes(f, 'ipv6')['2001:db8:200::/48'][0]
	assert p6['nexthops'][0]['ip'] == H.GW6
	adv = H.routes(d, direction='advertised')
	assert set(LOCAL) <= set(adv)

	# peer withdraws one prefix
	f.vtysh(['configure terminal', 'router bgp 65002', 'address-family ipv4 unicast',
		 'no network 198.51.100.0/25'])
	H.wait_routes(d, lambda r: '198.51.100.0/25' not in r and '192.0.2.0/24' in r,
		      what='withdrawal of 198.51.100.0/25')

	# we withdraw one (config change that is not a session change: no reset)
	before = H.frr_neighbor(f)['connectionsEstablished']
	_gw(workdir, name='gw2.xml', local_prefixes=LOCAL[1:])
	d.ctl(['config', 'apply', os.path.join(workdir, 'gw2.xml')], json=False)
	util.wait_for(lambda: not frr_has('ipv4', '203.0.113.0/24'), 10, 0.1,
		      'FRR lost 203.0.113.0/24')
	assert frr_has('ipv6', '2001:db8:200::/48')
	assert H.frr_neighbor(f)['connectionsEstablished'] == before
	assert H.state(d) == 'established'


def test_frr_md5_right_key(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False, extra_neighbor='password s3cret-Key!'))
	d = hgwd(gw, _gw(workdir, md5='s3cret-Key!', local_prefixes=LOCAL[:1]))
	H.wait_state(d)
	f.wait_established(H.GW4)
	H.wait_routes(d, lambda r: '192.0.2.0/24' in r)
	# the key is a secret: never in our log
	with open(d.log) as fh:
		assert 's3cret-Key!' not in fh.read()


def test_frr_md5_wrong_key(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False, extra_neighbor='password other-key'))
	d = hgwd(gw, _gw(workdir, md5='s3cret-Key!'))
	end = time.monotonic() + 6
	while time.monotonic() < end:	# several connect retries (1 s) on both sides
		assert H.state(d) != 'established'
		assert f.bgp_neighbors().get(H.GW4) != 'Established'
		time.sleep(0.3)
	# and without a key on our side, FRR (which requires one) refuses as well
	assert not H.routes(d)


def test_frr_route_refresh(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False))
	d = hgwd(gw, _gw(workdir, local_prefixes=LOCAL[:1]))
	H.wait_state(d)
	H.wait_routes(d, lambda r: '192.0.2.0/24' in r)
	util.wait_for(lambda: '203.0.113.0/24' in H.frr_routes(f), 10, 0.1, 'FRR has our route')

	# soft clear in on our side: a ROUTE-REFRESH reaches FRR, which resends
	ms = H.frr_neighbor(f)['messageStats']
	d.ctl(['clear', 'bgp', H.PEER4, 'soft'], json=False)
	util.wait_for(lambda: H.frr_neighbor(f)['messageStats']['routeRefreshRecv'] >
		      ms['routeRefreshRecv'], 5, 0.1, 'FRR received ROUTE-REFRESH')
	util.wait_for(lambda: H.frr_neighbor(f)['messageStats']['updatesSent'] >
		      ms['updatesSent'], 5, 0.1, 'FRR resent its routes')

	# FRR asks us (soft in on its side): we answer from the Adj-RIB-Out
	ms = H.frr_neighbor(f)['messageStats']
	f.vtysh('clear bgp ipv4 unicast %s soft in' % H.GW4)
	util.wait_for(lambda: H.frr_neighbor(f)['messageStats']['updatesRecv'] >
		      ms['updatesRecv'], 5, 0.1, 'we resent our routes')
	assert H.frr_neighbor(f)['messageStats']['routeRefreshSent'] > ms['routeRefreshSent']
	assert H.state(d) == 'established'
	assert '203.0.113.0/24' in H.frr_routes(f)
	assert H.neighbor(d)['flaps'] == 0


GR = '''bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 bgp graceful-restart restart-time 30
'''


def test_frr_graceful_restart(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	fdir = util.make_workdir('frr-gr')
	f = frr(pe, H.frr_conf(NETS4, v6=False, extra_global=' ' + GR), workdir=fdir)
	d = hgwd(gw, _gw(workdir, gr=True))
	H.wait_state(d)
	H.wait_routes(d, lambda r: set(NETS4) <= set(r))
	assert H.neighbor(d)['capabilities']['graceful-restart']

	# bgpd dies without a NOTIFICATION: its routes stay, marked stale
	os.kill(f.procs['bgpd'].pid, signal.SIGKILL)
	r = H.wait_routes(d, lambda r: r and all(x['stale'] for x in r.values()),
			  what='routes kept stale')
	assert set(NETS4) <= set(r)
	assert H.state(d) != 'established'
	rt = d.ctl(['show', 'routes'])
	assert '192.0.2.0/24' in str(rt)	# still in the route manager

	# it comes back announcing one prefix fewer: End-of-RIB sweeps that one
	f.stop()
	f2 = frr(pe, H.frr_conf(NETS4[:1], v6=False, extra_global=' ' + GR), workdir=fdir)
	H.wait_state(d)
	f2.wait_established(H.GW4)
	r = H.wait_routes(d, lambda r: '198.51.100.0/25' not in r and '192.0.2.0/24' in r and
			  not r['192.0.2.0/24']['stale'], timeout=20, what='stale route swept')


def test_frr_max_prefix_teardown(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	nets = ['192.0.2.0/24', '198.51.100.0/25', '198.51.100.128/25']
	f = frr(pe, H.frr_conf(nets, v6=False))
	d = hgwd(gw, _gw(workdir, max_prefix=2, max_action='teardown', max_restart=2))
	util.wait_for(lambda: '6/1' in H.last_error(d), 15, 0.1, 'max-prefix teardown')
	assert H.state(d) != 'established' or H.neighbor(d)['flaps'] >= 1
	util.wait_for(lambda: 'Maximum' in H.frr_neighbor(f).get('lastResetDueTo', '') or
		      H.frr_neighbor(f).get('lastResetCode') is not None, 5, 0.1,
		      'FRR saw the NOTIFICATION')
	assert H.frr_neighbor(f)['messageStats']['notificationsRecv'] >= 1
	# after the restart time it tries again (and is torn down again)
	util.wait_for(lambda: H.frr_neighbor(f)['connectionsEstablished'] >= 2, 15, 0.2,
		      'reconnect after max-prefix restart time')
	assert not H.routes(d) or len(H.routes(d)) <= 3


def test_frr_max_prefix_warning(netns, workdir, hgwd, frr):
	gw, pe = H.link(netns)
	nets = ['192.0.2.0/24', '198.51.100.0/25', '198.51.100.128/25']
	f = frr(pe, H.frr_conf(nets, v6=False))
	d = hgwd(gw, _gw(workdir, max_prefix=2, max_action='warning-only'))
	H.wait_state(d)
	H.wait_routes(d, lambda r: set(nets) <= set(r))
	time.sleep(2)
	assert H.state(d) == 'established'
	assert H.neighbor(d)['flaps'] == 0
	assert H.frr_neighbor(f)['connectionsEstablished'] == 1


def test_frr_lan_routes_to_circuit(netns, workdir, hgwd, frr):
	"""Transit through the speaker with real attributes: a LAN peer's route
	is exported to the circuit peer with our AS prepended and our next hop;
	its withdrawal follows."""
	gw, pe = H.link(netns)
	lan = netns('lan')
	H.veth(gw, 'gw1', lan, 'ln0', '10.0.1.1/30', '10.0.1.2/30')
	f = frr(pe, H.frr_conf(NETS4, v6=False))
	fl = frr(lan, H.frr_conf(['10.50.0.0/16'], v6=False, peer='10.0.1.1', asn=65003,
				 router_id='10.0.1.2'), name='lan')
	d = hgwd(gw, _gw(workdir, lan_peers=[('10.0.1.1', '10.0.1.2', 65003)]))
	H.wait_state(d)
	H.wait_state(d, addr='10.0.1.2')
	H.wait_routes(d, lambda r: '10.50.0.0/16' in r, addr='10.0.1.2')
	util.wait_for(lambda: '10.50.0.0/16' in H.frr_routes(f), 10, 0.1,
		      'circuit peer has the LAN route')
	p = H.frr_routes(f)['10.50.0.0/16'][0]
	assert p['path'] == '65001 65003'
	assert p['nexthops'][0]['ip'] == H.GW4
	adv = H.routes(d, direction='advertised')
	assert adv['10.50.0.0/16']['as-path'] == '65001 65003'
	# and the circuit's routes are not sent back to the circuit
	assert not set(NETS4) & set(adv)
	fl.vtysh(['configure terminal', 'router bgp 65003', 'address-family ipv4 unicast',
		  'no network 10.50.0.0/16'])
	util.wait_for(lambda: '10.50.0.0/16' not in H.frr_routes(f), 10, 0.1,
		      'circuit peer lost the LAN route')


def test_frr_gtsm(netns, workdir, hgwd, frr):
	"""RFC 5082: both sides at ttl-security 1 come up."""
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False, extra_neighbor='ttl-security hops 1'))
	d = hgwd(gw, _gw(workdir, ttl_security=1))
	H.wait_state(d)
	f.wait_established(H.GW4)
	H.wait_routes(d, lambda r: set(NETS4) <= set(r))


def test_frr_gtsm_peer_without(netns, workdir, hgwd, frr):
	"""GTSM on our side only: FRR sends eBGP with TTL 1, we drop it."""
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False))
	d = hgwd(gw, _gw(workdir, ttl_security=1))
	end = time.monotonic() + 5
	while time.monotonic() < end:
		assert H.state(d) != 'established'
		assert f.bgp_neighbors().get(H.GW4) != 'Established'
		time.sleep(0.3)


def test_frr_ipv6_transport(netns, workdir, hgwd, frr):
	"""A session over IPv6 (the peer at 2001:db8::2), both families on it."""
	gw, pe = H.link(netns)
	conf = H.frr_conf(NETS4, NETS6, peer=H.GW6).replace(
		'set ipv6 next-hop global', 'set ipv6 next-hop global')
	f = frr(pe, conf)
	d = hgwd(gw, _gw(workdir, peer_addr=H.PEER6, local_addr=H.GW6,
			 local_prefixes=LOCAL))
	H.wait_state(d, addr=H.PEER6)
	f.wait_established(H.GW6)
	r = H.wait_routes(d, lambda r: set(NETS6) <= set(r), addr=H.PEER6)
	assert r['2001:db8:100::/48']['next-hop'] == H.PEER6
	assert r['2001:db8:100::/48']['as-path'] == '65002'


def test_frr_graceful_restart_we_restart(netns, workdir, hgwd, frr):
	"""hybridgwd dies and comes back: FRR (helper) keeps our routes stale
	meanwhile (we advertise GR with forwarding preserved) and refreshes them."""
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False, extra_global=' ' + GR))
	conf = _gw(workdir, gr=True, local_prefixes=LOCAL[:1])
	d = hgwd(gw, conf)
	H.wait_state(d)
	util.wait_for(lambda: '203.0.113.0/24' in H.frr_routes(f), 10, 0.1, 'FRR has our route')
	gri = H.frr_neighbor(f).get('gracefulRestartInfo', {})
	assert gri, 'FRR shows no graceful restart info'
	d.proc.popen.kill()
	d.proc.wait()
	util.wait_for(lambda: H.frr_routes(f).get('203.0.113.0/24', [{}])[0].get('stale'), 10,
		      0.1, 'FRR keeps our route stale')
	# start clean (no kernel routes to adopt): this test is about BGP GR
	gw.run(['ip', 'route', 'flush', 'proto', '196'], check=False)
	gw.run(['ip', 'nexthop', 'flush', 'proto', '196'], check=False)
	d2 = hgwd(gw, conf)
	H.wait_state(d2)
	util.wait_for(lambda: '203.0.113.0/24' in H.frr_routes(f) and
		      not H.frr_routes(f)['203.0.113.0/24'][0].get('stale'), 15, 0.1,
		      'our route refreshed')
	assert H.state(d2) == 'established'


def test_frr_hard_clear(netns, workdir, hgwd, frr):
	"""`clear bgp ADDR`: Cease/4 (with an RFC 9003 text), then a new session."""
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False))
	d = hgwd(gw, _gw(workdir))
	H.wait_state(d)
	f.wait_established(H.GW4)
	H.wait_routes(d, lambda r: set(NETS4) <= set(r))
	d.ctl(['clear', 'bgp', H.PEER4], json=False)
	util.wait_for(lambda: H.frr_neighbor(f)['connectionsEstablished'] >= 2, 10, 0.1,
		      'session re-established')
	# FRR's I/O thread updates its message counters a moment after the
	# session state: wait for the count rather than read it once
	util.wait_for(lambda: H.frr_neighbor(f)['messageStats']['notificationsRecv'] >= 1, 5,
		      0.1, 'FRR counted our NOTIFICATION')
	H.wait_state(d)
	assert H.neighbor(d)['flaps'] == 1
	H.wait_routes(d, lambda r: set(NETS4) <= set(r), what='routes back after the clear')


def test_frr_well_known_communities(netns, workdir, hgwd, frr):
	"""RFC 1997: a route from an iBGP LAN router tagged NO_EXPORT is received
	and used, but not sent to the (eBGP) circuit peer; an untagged one is.
	(iBGP: FRR itself keeps NO_EXPORT routes from an eBGP neighbor, and
	NO_ADVERTISE ones from everybody: that case is a unit test.)"""
	gw, pe = H.link(netns)
	lan = netns('lan')
	H.veth(gw, 'gw1', lan, 'ln0', '10.0.1.1/30', '10.0.1.2/30')
	f = frr(pe, H.frr_conf(NETS4, v6=False))
	lan_conf = H.frr_conf(['10.50.0.0/16', '10.51.0.0/16 route-map NOEXP'],
			      v6=False, peer='10.0.1.1',
			      peer_as=H.GW_AS, asn=H.GW_AS, router_id='10.0.1.2')
	lan_conf += 'route-map NOEXP permit 10\n set community no-export\n!\n'
	frr(lan, lan_conf, name='lan')
	d = hgwd(gw, _gw(workdir, lan_peers=[('10.0.1.1', '10.0.1.2', H.GW_AS)]))
	H.wait_state(d)
	H.wait_state(d, addr='10.0.1.2')
	H.wait_routes(d, lambda r: {'10.50.0.0/16', '10.51.0.0/16'} <= set(r),
		      addr='10.0.1.2')
	util.wait_for(lambda: '10.50.0.0/16' in H.frr_routes(f), 10, 0.1,
		      'circuit peer has the untagged LAN route')
	time.sleep(1)	# give a wrongly sent tagged route time to arrive
	got = H.frr_routes(f)
	assert '10.51.0.0/16' not in got, 'NO_EXPORT route leaked to an eBGP peer'
	adv = H.routes(d, direction='advertised')
	assert '10.50.0.0/16' in adv
	assert '10.51.0.0/16' not in adv
