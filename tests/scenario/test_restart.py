# SPDX-License-Identifier: ISC
"""tests/scenario/test_restart.py - restarting hybridgwd keeps forwarding (scenario 8): on
SIGTERM the daemon leaves its routes and nexthop objects in the kernel, unchanged
(fib_free leaves kernel state in place; shutting the sessions down must not move
traffic); the new daemon adopts them (fib_adopt), keeps them while its sessions come
up and removes what it did not re-install once they settled (fib_reconcile). The
peers keep the gateway's routes meanwhile (graceful restart), so the return path
holds too. The routes through the gateway's own IPsec tunnels are the exception: the
userspace ESP dataplane and its TUN devices end with the daemon, and the kernel drops
the routes through them; they come back with the tunnels."""

import json
import time

from hgwlab import util

from conftest import (CIRCUIT, CLOUD, CLOUDHOST, LANHOST, VPNGW)


# routes through the tunnels hybridgwd terminates (ipsec-cloud, ipsec-branch)
TUNNELLED = ['10.0.0.0/8', '10.50.0.0/16']


def _snapshot(s, tunnelled=True):
	return {p: s.kernel_nh(p) for p in CLOUD + (TUNNELLED if tunnelled else []) + ['10.1.1.0/24']}


def test_restart_keeps_kernel_routes(scen):
	s = scen()
	before = _snapshot(s)
	kept = _snapshot(s, tunnelled=False)
	assert all(before[p] == CIRCUIT for p in CLOUD), before
	p = s.ping('lanhost', CLOUDHOST)
	time.sleep(0.5)

	rc = s.lb.stop_node('gw')	# SIGTERM
	assert rc == 0, rc
	t_stop = time.monotonic()
	# the daemon is gone: the kernel still forwards as before, for a while
	held = []
	while time.monotonic() - t_stop < 2.0:
		snap = _snapshot(s, tunnelled=False)
		held.append(snap)
		assert snap == kept, 'kernel changed while hybridgwd was down:\n%r\n%r' % (kept, snap)
		assert s.route_get(CLOUDHOST, src=LANHOST, iif='eth5') in CIRCUIT
		time.sleep(0.1)

	s.lb.start_node('gw')
	t_start = time.monotonic()
	# during the start the routes stay (adopted), never removed, never blackholed;
	# the new daemon may use the VPN for a moment if its VPN session is up before
	# the circuit's BGP+BFD (reported, not a failure)
	interim = set()
	while time.monotonic() - t_start < 3.0:
		snap = _snapshot(s)
		for pf in CLOUD:
			assert snap[pf], 'route for %s missing or blackholed during the restart: %r' % (pf, snap)
			if VPNGW in snap[pf]:
				interim.add(pf)
		time.sleep(0.05)
	s.wait_ready()
	time.sleep(0.5)
	r = p.stop()
	print('\nrestart: ping %s lost %d/%d, outage %.3f s; on the VPN for a moment during the '
	      'start: %s' % (CLOUDHOST, r['lost'], r['sent'], r['outage_s'], sorted(interim) or 'none'))
	assert r['recovered'], r
	# the forward path never changes (checked above); the return path depends on
	# the peers keeping the gateway's routes while it restarts: the sessions
	# close without NOTIFICATION (graceful restart), BFD says AdminDown only
	# after, and the circuit edges ignore a BFD down during the restart of a
	# peer whose C bit is clear (FRR: bfd check-control-plane-failure). It was
	# 2-3 s while the daemon ended its sessions with Cease.
	assert r['outage_s'] < 1.0, r
	s.wait_kernel({p: before[p] for p in TUNNELLED}, 30, 'the tunnels\' routes back')
	after = _snapshot(s)
	assert after == before, (before, after)
	log = s.log()
	assert 'adopted' in log, log[-3000:]
	util.wait_for(lambda: 'reconciled' in s.log(), 20, 0.2, 'adopted routes reconciled')
	# nothing stale left behind: every route's group is one the new daemon owns
	rib = s.rib()
	for pf in CLOUD[:3]:
		assert s.kernel_routes()[pf]['nhid'] == rib[pf]['fib-group'], (pf, rib[pf])
	def unused():
		objs = {o['id']: o for o in json.loads(s.gw.out(['ip', '-j', 'nexthop', 'show', 'proto', '196']))}
		used = set()
		for r in s.kernel_routes().values():
			used.add(r['nhid'])
			used.update(m['id'] for m in objs.get(r['nhid'], {}).get('group', []))
		return sorted(set(objs) - used), len(objs)
	left, total = util.wait_for(lambda: (lambda u: u if not u[0] else None)(unused()) or
				    None, 10, 0.5, 'no nexthop object of the previous run left')
	print('nexthop objects after the restart: %d, none unused' % total)
