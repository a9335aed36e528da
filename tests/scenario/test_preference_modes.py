# SPDX-License-Identifier: ISC
"""tests/scenario/test_preference_modes.py - the preference modes (scenario 9), changed at
runtime with `hybridgwctl config apply FILE`: `vpn` puts the VPN first, `as-path`
picks the shortest AS_PATH across classes with ties going to the circuit, `circuit`
(the default) puts the circuit first again. The lab's AS paths:
    10.100.0.0/16  circuit 1, VPN 3     10.101.0.0/16  circuit 3, VPN 1
    10.102.0.0/16  circuit 1, VPN 1     10.110.0.0/16  circuit only"""

from conftest import (CIRCUIT, LANHOST, VPNGW, gw_config)

MODES = {
	'vpn': {'10.100.0.0/16': [VPNGW], '10.101.0.0/16': [VPNGW], '10.102.0.0/16': [VPNGW],
		'10.110.0.0/16': CIRCUIT},
	'as-path': {'10.100.0.0/16': CIRCUIT, '10.101.0.0/16': [VPNGW], '10.102.0.0/16': CIRCUIT,
		    '10.110.0.0/16': CIRCUIT},
	'circuit': {'10.100.0.0/16': CIRCUIT, '10.101.0.0/16': CIRCUIT, '10.102.0.0/16': CIRCUIT,
		    '10.110.0.0/16': CIRCUIT},
}


def _mode(s, mode):
	s.apply(gw_config({'<preference>circuit</preference>': '<preference>%s</preference>' % mode}),
		name='mode-%s.xml' % mode)
	want = MODES[mode]
	# (20 s: a BFD flap of a loaded machine would add the 5 s failback delay)
	s.wait_kernel(want, timeout=20, what='kernel in preference %s' % mode)
	rib = s.rib()
	for p, nhs in want.items():
		cls = 'vpn' if nhs == [VPNGW] else 'circuit'
		assert rib[p]['active-class'] == cls, (mode, rib[p])
		assert sorted(rib[p]['active-next-hop']) == sorted(nhs), (mode, rib[p])
		addr = p.replace('.0.0/16', '.1.10')
		assert s.route_get(addr, src=LANHOST, iif='eth5') in nhs, (mode, addr)
	cfg = s.ctl('show config', json=False)
	assert '<preference>%s</preference>' % mode in cfg or '"preference": "%s"' % mode in cfg, cfg


def test_preference_modes_at_runtime(scen):
	s = scen()
	n_sessions = {a: n.get('flaps', 0) for a, n in s.neighbors().items()}
	_mode(s, 'vpn')
	# the VPN is active now: the circuit became the backup
	r = s.rib('10.100.0.0/16')['10.100.0.0/16']
	assert r['backup-class'] == 'circuit' and sorted(r['backup-next-hop']) == CIRCUIT, r
	out = s.lb.exec('lanhost', ['ping', '-c', '2', '-i', '0.2', '-W', '1', '10.100.1.10'], check=False)
	assert out.returncode == 0, out.stdout
	_mode(s, 'as-path')
	_mode(s, 'circuit')
	# a policy change re-selects; the gateway resets no session for it
	log = s.log()
	assert 'sent NOTIFICATION' not in log, log[-3000:]
	flaps = {a: n.get('flaps', 0) for a, n in s.neighbors().items()}
	if flaps != n_sessions:	# the peer's doing (e.g. its BFD on a loaded machine)
		print('\nnote: sessions flapped during the test: %r -> %r' % (n_sessions, flaps))
