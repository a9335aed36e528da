# SPDX-License-Identifier: ISC
"""tests/scenario/test_circuit_ecmp.py - the circuit wins and load-shares (scenario 1), and
losing one of its two links keeps traffic on the other (scenario 4): real FRR circuit
edges with BFD, an FRR cloud VPN gateway announcing the same prefixes, hybridgwd in
between; checked in the kernel (nexthop groups, ip route get) and in hybridgwctl."""

import time

from conftest import (CE1, CE2, CIRCUIT, CLOUD, CLOUDHOST, LANHOST, VPNGW)	# noqa: F401


def _flow_nexthops(s, dst, n=64):
	"""Next hops the gateway picks for forwarded flows from n LAN sources."""
	return {s.route_get(dst, src='10.1.1.%d' % (i + 2), iif='eth5') for i in range(n)}


def test_circuit_wins_with_ecmp(scen):
	s = scen()
	rib = s.rib()
	kroutes = s.kernel_routes()
	for p in CLOUD[:3]:
		# learned from both circuit edges and from the VPN: the circuit wins, ECMP
		r = rib[p]
		assert r['active-class'] == 'circuit', r
		assert sorted(r['active-next-hop']) == CIRCUIT, r
		assert r['backup-class'] == 'vpn' and r['backup-next-hop'] == [VPNGW], r
		assert s.kernel_nh(p) == CIRCUIT
		assert kroutes[p]['nhid'] == r['fib-group'], (kroutes[p], r)
	# prefixes that share (active, backup) share one group
	assert len({kroutes[p]['nhid'] for p in CLOUD[:3]}) == 1
	grp = s.nexthop(kroutes[CLOUD[0]]['nhid'])
	assert len(grp['group']) == 2, grp
	# prefix-independent-convergence (default): group rewrites without a
	# notification per route
	assert s.gw.out(['sysctl', '-n', 'net.ipv4.nexthop_compat_mode']).strip() == '0'
	# the VPN-only aggregate goes to the VPN
	assert s.kernel_nh('10.0.0.0/8') == [VPNGW]
	# forwarding: flows from the LAN hash over both circuit links, never the VPN
	assert _flow_nexthops(s, CLOUDHOST) == set(CIRCUIT)
	assert s.route_get('10.102.1.10') in CIRCUIT
	# and the path works end to end
	out = s.lb.exec('lanhost', ['ping', '-c', '3', '-i', '0.2', '-W', '1', CLOUDHOST], check=False)
	assert out.returncode == 0, out.stdout
	# the peers agree: the cloud router uses both edges back to the site
	cloud_rt = s.lb.ns('cloud').routes()
	back = [r for r in cloud_rt if r['dst'] == '10.1.0.0/16']
	assert back and {h['gateway'] for h in back[0].get('nexthops', [])} == {'172.31.0.1', '172.31.0.5'}, back


def _ecmp_shrinks(s, what):
	"""After `what` took ce1 away: the group shrinks to ce2 and never points at
	the VPN while it happens."""
	seen = []
	deadline = time.monotonic() + 3.0
	while time.monotonic() < deadline:
		nh = s.kernel_nh(CLOUD[0])
		seen.append(tuple(nh))
		assert VPNGW not in nh, 'moved to the VPN although ce2 is up (%s): %r' % (what, seen)
		assert nh, 'blackhole while ce2 is up (%s)' % what
		if nh == [CE2] and time.monotonic() > deadline - 1.5:
			break
		time.sleep(0.02)
	assert s.kernel_nh(CLOUD[0]) == [CE2], seen
	for p in CLOUD:
		assert s.kernel_nh(p) == [CE2], p
	r = s.rib(CLOUD[0])[CLOUD[0]]
	assert r['active-class'] == 'circuit' and r['active-next-hop'] == [CE2], r
	assert _flow_nexthops(s, CLOUDHOST, 16) == {CE2}


def test_one_link_silent_keeps_the_other(scen):
	s = scen()
	n0 = len(s.journal())
	p = s.ping('lanhost', CLOUDHOST)
	time.sleep(0.5)
	s.silence('ce1')	# BFD notices; the carrier stays up
	_ecmp_shrinks(s, 'ce1 silent')
	time.sleep(0.5)
	r = p.stop()
	print('\nce1 silent: ping lost %d of %d, outage %.3f s' % (r['lost'], r['sent'], r['outage_s']))
	assert r['recovered'], r
	assert r['outage_s'] < 1.0, r
	new = s.journal()[n0:]
	bfd = [e for e in new if e['trigger'] == 'bfd-down' and e['connection'] == 'er1']
	assert bfd, new
	assert all(e.get('to-class') != 'vpn' for e in new), new
	assert bfd[0].get('to-class') == 'circuit', bfd
	assert s.bfd()[CE1]['state'] == 'down' and s.bfd()[CE2]['state'] == 'up'


def test_one_link_carrier_loss_keeps_the_other(scen):
	s = scen()
	n0 = len(s.journal())
	s.lb.exec('ce1', ['ip', 'link', 'set', 'eth1', 'down'])	# gw eth1 loses carrier
	_ecmp_shrinks(s, 'ce1 link down')
	new = s.journal()[n0:]
	assert any(e['trigger'] in ('link', 'bfd-down') for e in new), new
	assert all(e.get('to-class') != 'vpn' for e in new), new
	# the link comes back: ECMP again (after the failback delay)
	s.lb.exec('ce1', ['ip', 'link', 'set', 'eth1', 'up'])
	s.wait_kernel({CLOUD[0]: CIRCUIT}, timeout=25, what='ECMP back after the link returns')
