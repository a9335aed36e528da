# SPDX-License-Identifier: ISC
# tests/integration/test_vpn_paths.py - IPsec tunnels as route-manager paths against two strongSwan instances (active-active, BGP inside each): a tunnel's death by DPD, SA deletion or TUN loss shrinks the ECMP group in place, journaled with its reason, and its return is damped; accounting per tunnel and per connection.
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

from hgwlab.fixtures import *	# noqa: F401,F403,E402
from hgwlab import ipsec, util, vpnpaths	# noqa: E402
from hgwlab.nft import unsilence	# noqa: E402

N = 200		# cloud prefixes: all share one group, whatever N is
DPD = 6		# s, ike/dpd-timeout: the bound of a silent instance's detection
FAILBACK = 5	# s, policy/failback-delay
# Margin on a protocol bound: the poll (50 ms), show commands and the
# loaded host's scheduling; never what makes the verdict.
MARGIN = 3.0


def _new_events(lab, since):
	return lab.journal()[since:]


def _event(lab, since, source, trigger):
	for e in _new_events(lab, since):
		if e.get('source') == source and e['trigger'] == trigger:
			return e
	return None


def _when(e):
	return datetime.datetime.fromisoformat(e['detected']).timestamp()


def _wait_ecmp_back(lab, since, source):
	"""ECMP over both tunnels again, and by the journal not before
	failback-delay after the source became healthy again (tunnel-up or
	bgp-up: whichever was last); the daemon's own clock, no poll in it."""
	both = [vpnpaths.INSTANCES[g][4] for g in vpnpaths.INSTANCES]
	lab.wait_spread(both, 60, 'ECMP over both tunnels again')
	ev = _new_events(lab, since)
	fb = [e for e in ev if e.get('source') == source and e['trigger'] == 'failback']
	ups = [e for e in ev if e.get('source') == source and e['trigger'] in ('tunnel-up', 'bgp-up')]
	assert fb and ups, ev
	assert _when(fb[-1]) - _when(ups[-1]) >= FAILBACK - 0.01, (ups[-1], fb[-1])


def test_tunnel_death_moves_routes(netns, workdir, hgwd, swan, frr, silence):
	ns = vpnpaths.topology(netns)
	lab = vpnpaths.up(ns, workdir, hgwd, swan, frr, n=N, dpd=DPD, failback=FAILBACK)
	gb_peer, gc_peer = vpnpaths.INSTANCES['gb'][4], vpnpaths.INSTANCES['gc'][4]
	both = [gb_peer, gc_peer]
	assert ipsec.ping(ns['ha'], vpnpaths.PROBE)
	spread0, nhid0 = lab.spread()
	assert spread0 == {tuple(sorted(both)): N}, spread0
	assert len(set(nhid0.values())) == 1, 'the cloud prefixes share one group'

	# -- instance gb goes silent: DPD, the group loses t1 in place
	j0 = len(lab.journal())
	silence(ns['gb'], 'wan')
	t0 = time.monotonic()
	moved = lab.wait_spread([gc_peer], DPD + MARGIN, 'the routes on t2 alone (DPD)')
	assert moved - t0 <= DPD + MARGIN, moved - t0
	spread, nhid = lab.spread()
	assert nhid == nhid0, 'a prefix changed group: not prefix-independent'
	t1 = ipsec.tunnel(lab.d, vpnpaths.CONN, 't1')
	assert t1['state'] != 'up' and t1['reason'] == 'dpd', t1
	e = _event(lab, j0, 'vpn cloud tunnel t1', 'dpd')
	assert e, _new_events(lab, j0)
	assert e['connection'] == 'cloud' and e['from-class'] == 'vpn' and e['to-class'] == 'vpn'
	assert int(e['groups-rewritten']) == 1, e
	assert int(e['prefixes-moved']) >= N, e
	assert ipsec.ping(ns['ha'], vpnpaths.PROBE)	# through t2
	assert ipsec.tunnel_state(lab.d, vpnpaths.CONN, 't2') == 'up'

	# -- gb answers again: t1 comes back, damped by failback-delay
	unsilence(ns['gb'])
	ipsec.wait_up(lab.d, 60, vpnpaths.CONN, 't1')
	_wait_ecmp_back(lab, j0, 'vpn cloud tunnel t1')

	# -- instance gc deletes its IKE SA: tunnel-down, the group loses t2 at once
	j1 = len(lab.journal())
	_, nhid1 = lab.spread()
	lab.swans['gc'].swanctl(['--terminate', '--ike', 'hgw'])
	t0 = time.monotonic()
	moved = lab.wait_spread([gb_peer], MARGIN, 'the routes on t1 alone (SA deleted)')
	assert moved - t0 <= MARGIN
	_, nhid = lab.spread()
	assert nhid == nhid1, 'a prefix changed group: not prefix-independent'
	e = _event(lab, j1, 'vpn cloud tunnel t2', 'tunnel-down')
	assert e, _new_events(lab, j1)
	assert int(e['groups-rewritten']) == 1, e
	assert 'peer-deleted' in open(lab.d.log).read() or \
		ipsec.tunnel(lab.d, vpnpaths.CONN, 't2').get('reason') == 'peer-deleted'
	assert ipsec.ping(ns['ha'], vpnpaths.PROBE)	# through t1
	ipsec.wait_up(lab.d, 30, vpnpaths.CONN, 't2')	# we set it up again
	_wait_ecmp_back(lab, j1, 'vpn cloud tunnel t2')

	# -- t2's TUN device deleted under us: down at once (tunnel-down, or the
	# carrier's link event if netlink told first), the group loses t2
	j2 = len(lab.journal())
	_, nhid2 = lab.spread()
	ns['ga'].run(['ip', 'link', 'del', vpnpaths.INSTANCES['gc'][5]])
	t0 = time.monotonic()
	lab.wait_spread([gb_peer], MARGIN, 'the routes on t1 alone (TUN gone)')
	assert time.monotonic() - t0 <= MARGIN
	_, nhid = lab.spread()
	assert nhid == nhid2, 'a prefix changed group: not prefix-independent'
	ev = [e for e in _new_events(lab, j2) if e.get('source') == 'vpn cloud tunnel t2']
	assert ev and ev[0]['trigger'] in ('tunnel-down', 'link'), _new_events(lab, j2)
	assert int(ev[0]['groups-rewritten']) == 1, ev
	util.wait_for(lambda: ipsec.tunnel(lab.d, vpnpaths.CONN, 't2').get('reason') == 'tun-gone',
		      MARGIN, 0.1, 'tunnel t2 down: tun-gone')
	assert ipsec.ping(ns['ha'], vpnpaths.PROBE)	# through t1


# ---------------------------------------------------------------- accounting

KEYS = ('packets-in', 'bytes-in', 'packets-out', 'bytes-out')


def _counters(c):
	return {k: int(c['counters'][k]) for k in KEYS}


def _tunnels(lab):
	return {t: ipsec.tunnel(lab.d, vpnpaths.CONN, t) for t in ('t1', 't2')}


def _monotonic(before, after, what):
	for k in KEYS:
		assert after[k] >= before[k], (what, k, before, after)


def test_connection_accounting(netns, workdir, hgwd, swan, frr):
	"""Bytes and packets per tunnel and per connection: the connection's are
	its tunnels' summed, in show vpn (table and JSON); both only grow,
	across Child SA rekeys and across a commit that deletes a tunnel and
	adds it again."""
	ns = vpnpaths.topology(netns)
	lab = vpnpaths.up(ns, workdir, hgwd, swan, frr, n=4, child_lifetime=10)
	for _ in range(3):
		assert ipsec.ping(ns['ha'], vpnpaths.PROBE, count=10)
	tun = _tunnels(lab)
	conn = lab.connection()
	assert conn and conn['tunnels'] == 2 and conn['tunnels-up'] == 2, conn
	c0 = _counters(conn)
	# the connection is the sum of its tunnels, read in one state build
	st = lab.d.ctl('show vpn')['hybridgw:gateway-state']['vpn']
	per = [_counters(t) for t in st['tunnel'] if t['connection'] == vpnpaths.CONN]
	for k in KEYS:
		assert _counters(st['connection'][0])[k] == sum(p[k] for p in per), (k, st)
	assert all(_counters(t)['packets-in'] > 0 for t in tun.values()), tun	# BGP at least
	assert c0['bytes-out'] > c0['packets-out'] * 20, c0	# bytes, not packets
	table = lab.d.ctl('show vpn', json=False)
	row = [x for x in table.splitlines() if x.startswith(vpnpaths.CONN + ' ')]
	assert row and '2/2' in row[0] and str(c0['packets-in']) in table, table

	# rekeys: a new Child SA on t1 (lifetime 10 s), the sums go on growing
	spi0 = [x['spi-in'] for x in tun['t1'].get('child-sa', [])]
	util.wait_for(lambda: any(x['spi-in'] not in spi0 and x['state'] == 'established'
				  for x in ipsec.tunnel(lab.d, vpnpaths.CONN, 't1').get('child-sa', [])),
		      30, 0.2, 'a Child SA rekey on t1')
	assert ipsec.ping(ns['ha'], vpnpaths.PROBE, count=10)
	c1 = _counters(lab.connection())
	_monotonic(c0, c1, 'rekey')
	for t, before in tun.items():
		_monotonic(_counters(before), _counters(ipsec.tunnel(lab.d, vpnpaths.CONN, t)),
			   'rekey ' + t)

	# t2 deleted by a commit, then configured again: a new tunnel from zero,
	# the connection's sums keep what the old one carried
	lab.apply(vpnpaths.hgw_config(tunnels=('gb',), child_lifetime=10))
	assert ipsec.tunnel(lab.d, vpnpaths.CONN, 't2') is None
	c2 = _counters(lab.connection())
	_monotonic(c1, c2, 'a tunnel deleted')
	assert lab.connection()['tunnels'] == 1
	lab.apply(vpnpaths.hgw_config(child_lifetime=10))
	ipsec.wait_up(lab.d, 30, vpnpaths.CONN, 't2')
	c3 = _counters(lab.connection())
	_monotonic(c2, c3, 'the tunnel back')
	assert c3['packets-in'] >= c1['packets-in']
