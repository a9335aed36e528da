# SPDX-License-Identifier: ISC
"""tests/scenario/test_covering_backup.py - a prefix that only the circuit announces
(10.110.0.0/16) is backed up by the longest covering prefix of another class (the
VPN's 10.0.0.0/8): `show routes` names it (backup-via), and when the circuit dies,
traffic to an address in the /16 keeps flowing through the VPN, never blackholed
(scenario 5)."""

import time

from conftest import (CIRCUIT, LANHOST, VPNGW)

P16, P8, DST = '10.110.0.0/16', '10.0.0.0/8', '10.110.1.10'


def test_covering_prefix_backup(scen):
	s = scen()
	r = s.rib(P16)[P16]
	assert r['active-class'] == 'circuit' and sorted(r['active-next-hop']) == CIRCUIT, r
	assert r['backup-class'] == 'vpn', r
	assert r['backup-via'] == P8, r
	assert r['backup-next-hop'] == [VPNGW], r
	assert s.rib(P8)[P8]['active-class'] == 'vpn'
	text = s.ctl('show routes ' + P16, json=False)
	assert 'via ' + P8 in text, text
	assert s.kernel_nh(P16) == CIRCUIT and s.kernel_nh(P8) == [VPNGW]
	assert s.route_get(DST, src=LANHOST, iif='eth5') in CIRCUIT

	n0 = len(s.journal())
	p = s.ping('lanhost', DST)
	time.sleep(0.8)
	t0 = time.monotonic()
	s.silence('ce1', 'ce2')
	seen = []
	while time.monotonic() - t0 < 4:
		nh16 = s.kernel_nh(P16)	# None once the clean-up removed it (the /8 takes over)
		via = s.route_get(DST, src=LANHOST, iif='eth5')
		seen.append((round(time.monotonic() - t0, 3), nh16, via))
		assert nh16 != [], 'the /16 became a blackhole: %r' % seen
		if via == VPNGW and time.monotonic() - t0 > 1.5:
			break
		time.sleep(0.02)
	assert s.route_get(DST, src=LANHOST, iif='eth5') == VPNGW, seen
	sw = next((t for t, _, v in seen if v == VPNGW), None)
	time.sleep(1.0)
	res = p.stop()
	print('\ncovering backup: %s forwarded via the VPN %.3f s after the silence; ping lost '
	      '%d/%d, outage %.3f s; the /16 in the kernel: %s' % (
		      DST, sw, res['lost'], res['sent'], res['outage_s'], s.kernel_nh(P16)))
	assert res['recovered'], res
	assert res['outage_s'] < 1.0, res
	# what the gateway says now: the /16 is either still installed through the
	# rewritten group (pointing at the VPN) or gone, leaving the /8
	assert s.kernel_nh(P16) in (None, [VPNGW])
	rib = s.rib()
	if P16 in rib and rib[P16].get('active-class'):
		assert rib[P16]['active-class'] == 'vpn', rib[P16]
	assert rib[P8]['active-class'] == 'vpn'
	new = s.journal()[n0:]
	assert any(e['trigger'] == 'bfd-down' and e.get('to-class') == 'vpn' for e in new), new
