# SPDX-License-Identifier: ISC
"""tests/scenario/test_bfd_failover.py - a silent circuit failure (nftables drop-all in both
circuit edges, carrier up) is detected by BFD (100 ms x 3) and every prefix moves to the
VPN with a bounded loss (scenario 2); when the circuit comes back, traffic returns only
after failback-delay (5 s) of continuous health (scenario 3)."""

import time

from conftest import (CE1, CE2, CIRCUIT, CLOUD, CLOUDHOST, LANHOST, VPNGW, parse_time)


# Bounds in protocol units (the lab: BFD 100 ms x 3 on both sides of the circuit).
BFD_INTERVAL = 0.1
BFD_DETECT = 0.3
FAILBACK_DELAY = 5.0	# the lab's policy/failback-delay
# Margin for a loaded 2-core machine (stress-ng, sanitizers): scheduling of the
# daemons and of this test's own subprocesses. Stated once, used everywhere.
MARGIN = 0.5


def _all_on_vpn(s):
	"""Every cloud prefix forwards through the VPN: those the VPN announces by
	their own route, 10.110.0.0/16 (circuit only) through its covering /8."""
	return (all(s.kernel_nh(p) == [VPNGW] for p in CLOUD[:3]) and
		s.route_get('10.110.1.10', src=LANHOST, iif='eth5') == VPNGW)


def _fail_circuit(s):
	"""Silence both circuit edges; return (t_silence, t_silenced, t_all_switched)
	(wall clock: before the first nft command, after the last, all switched)."""
	t0 = time.time()
	s.silence('ce1', 'ce2')
	t_silenced = time.time()
	deadline = time.monotonic() + 5
	while not _all_on_vpn(s):
		for p in CLOUD[:3]:
			nh = s.kernel_nh(p)
			assert nh, 'blackhole for %s during the failover' % p
		assert time.monotonic() < deadline, {p: s.kernel_nh(p) for p in CLOUD}
		time.sleep(0.01)
	return t0, t_silenced, time.time()


def test_silent_circuit_failure_moves_everything_to_vpn(scen):
	s = scen()
	n0 = len(s.journal())
	p = s.ping('lanhost', CLOUDHOST)
	p2 = s.ping('lanhost', '10.110.1.10')	# circuit only: backup through the VPN's /8
	time.sleep(1.0)
	t0, t_silenced, t1 = _fail_circuit(s)
	time.sleep(1.5)
	r, r2 = p.stop(), p2.stop()
	new = s.journal()[n0:]
	down = [e for e in new if e['trigger'] == 'bfd-down']
	assert len(down) >= 2, new	# one per circuit link
	detect = min(parse_time(e['detected']) for e in down) - t0
	last = max(down, key=lambda e: parse_time(e['detected']))
	switched = parse_time(last['fib-switched']) - t0
	print('\nsilent circuit: BFD detection %.0f ms, FIB switched %.0f ms after the silence '
	      '(journal switch-time %s us); kernel seen on the VPN %.0f ms after; ping %s: '
	      'lost %d/%d, outage %.3f s; ping 10.110.1.10: lost %d/%d, outage %.3f s' % (
		      detect * 1e3, switched * 1e3, [e['switch-time'] for e in down],
		      (t1 - t0) * 1e3, CLOUDHOST, r['lost'], r['sent'], r['outage_s'],
		      r2['lost'], r2['sent'], r2['outage_s']))
	# BFD 100 ms x 3: the last packet came at most one interval before the
	# silence, so detection is due a detection time after it; the silence itself
	# took t_silenced - t0 (two nft commands), and MARGIN covers scheduling
	assert BFD_DETECT - BFD_INTERVAL - 0.05 < detect, detect
	assert detect < (t_silenced - t0) + BFD_DETECT + MARGIN, (detect, t_silenced - t0)
	assert last.get('to-class') == 'vpn', last
	assert last['prefixes-moved'] >= 1 and last['groups-rewritten'] >= 1, last
	assert all(e['switch-time'] < 300000 for e in down), down
	# traffic: bounded loss - our detection, the switch, and the cloud router's own
	# BFD for the return path (also 100 ms x 3), plus the margin
	for res in (r, r2):
		assert res['recovered'], res
		assert res['outage_s'] < (t_silenced - t0) + 2 * BFD_DETECT + 2 * MARGIN, res
	# hybridgwctl agrees with the kernel
	rib = s.rib()
	for pf in CLOUD[:3]:
		assert rib[pf]['active-class'] == 'vpn' and rib[pf]['active-next-hop'] == [VPNGW], rib[pf]
	assert all(st['state'] == 'down' for st in s.bfd().values()), s.bfd()
	# the path sources say why: both circuit links wait for BFD (their BGP
	# sessions may still be up: hold 9 s), the tunnel carries the traffic
	src = s.sources()
	cir = [x for x in src.values() if x['class'] == 'circuit']
	assert len(cir) == 2, src
	for x in cir:
		assert x['state'] == 'down' and 'bfd' in x['waiting-for'], x
		assert 'failback-in' not in x, x
	vpn = [x for x in src.values() if x['class'] == 'vpn']
	assert vpn and all(x['state'] == 'up' and x['paths'] >= 1 for x in vpn), src
	table = s.ctl('show failover', json=False)
	assert all(any(ln.startswith(x['name']) and ' down ' in ln and 'bfd' in ln
		       for ln in table.splitlines()) for x in cir), table


def test_failback_only_after_failback_delay(scen):
	s = scen()
	_fail_circuit(s)
	time.sleep(1.0)
	n0 = len(s.journal())
	s.unsilence('ce1', 'ce2')
	t_un = time.time()
	# sample the gateway's view of each circuit link (BGP established + BFD up)
	# and the kernel until traffic is back on the circuit
	samples = []
	pending = {}	# the first failback-pending circuit sources seen
	deadline = time.monotonic() + 30
	while True:
		nb, bfd = s.neighbors(), s.bfd()
		if not pending:
			pending = {n: x for n, x in s.sources().items()
				   if x['class'] == 'circuit' and x['state'] == 'failback-pending'}
		healthy = {a: nb.get(a, {}).get('state') == 'established' and
			   bfd.get(a, {}).get('state') == 'up' for a in CIRCUIT}
		nh = s.kernel_nh(CLOUD[0])
		samples.append((time.time(), healthy, nh))
		if any(h in CIRCUIT for h in nh):
			break
		assert nh == [VPNGW], samples[-1]
		assert time.monotonic() < deadline, 'no failback within 30 s: %r' % samples[-5:]
		time.sleep(0.1)
	t_fb, _, nh_fb = samples[-1]
	# the links it went back to had been healthy without interruption for the delay
	for a in nh_fb:
		since = None
		for t, healthy, _ in samples[:-1]:
			if not healthy[a]:
				since = None
			elif since is None:
				since = t
		assert since is not None, 'failback to %s, never seen healthy before: %r' % (a, samples)
		held = t_fb - since
		print('\nfailback to %s: %.2f s after it was seen healthy (failback-delay 5 s), '
		      '%.2f s after the unsilence' % (a, held, t_fb - t_un))
		# each sample is late by up to one sampling step (three control-socket
		# and kernel reads: slow under load): only the upper bound is read
		# here, the delay plus the longest step seen plus the margin; the
		# lower one is the journal's, by the daemon's own clock (below)
		step = max(b[0] - a[0] for a, b in zip(samples, samples[1:]))
		assert held <= FAILBACK_DELAY + step + MARGIN, (held, step)
	# while the delay ran, the operational tree said so, with the time left
	assert pending, 'no circuit source seen failback-pending before the failback'
	for x in pending.values():
		# 0 when read between the deadline and the timer's turn of the loop
		assert 0 <= x['failback-in'] <= FAILBACK_DELAY * 1000, x
		assert 'waiting-for' not in x, x
	s.wait_kernel({p: CIRCUIT for p in CLOUD}, timeout=10, what='ECMP on the circuit again')
	assert all(x['state'] == 'up' for x in s.sources().values()), s.sources()
	ev = s.journal()[n0:]
	for src in set(e.get('source') for e in ev if e['trigger'] == 'failback'):
		# by the daemon's own clock: no failback before failback-delay of
		# continuous health (the last bgp-up / bfd-up of that link)
		ups = [e for e in ev if e.get('source') == src and e['trigger'] in ('bgp-up', 'bfd-up')]
		fbs = [e for e in ev if e.get('source') == src and e['trigger'] == 'failback']
		assert ups, ev
		assert parse_time(fbs[-1]['detected']) - parse_time(ups[-1]['detected']) >= 4.99, \
			(ups[-1], fbs[-1])
	fb = [e for e in s.journal()[n0:] if e['trigger'] == 'failback']
	assert fb and fb[-1].get('to-class') == 'circuit', s.journal()[n0:]
	assert all(e['connection'] == 'er1' for e in fb), fb
	assert s.route_get(CLOUDHOST, src=LANHOST, iif='eth5') in CIRCUIT
	out = s.lb.exec('lanhost', ['ping', '-c', '3', '-i', '0.2', '-W', '1', CLOUDHOST], check=False)
	assert out.returncode == 0, out.stdout
	assert {s.rib()[p]['active-class'] for p in CLOUD} == {'circuit'}
	assert s.bfd()[CE1]['state'] == 'up' and s.bfd()[CE2]['state'] == 'up'
