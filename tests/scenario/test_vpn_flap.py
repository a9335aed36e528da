# SPDX-License-Identifier: ISC
"""tests/scenario/test_vpn_flap.py - (13) the cloud VPN tunnel flaps 20 times in a minute
(strongSwan deletes its IKE SA every 3 s; hybridgwd sets it up again at once) with
preference vpn (the tunnel is the preferred path, the circuit the backup): the cloud
prefixes leave the tunnel at the first flap and come back once, failback-delay (5 s)
after the last - no churn beyond the damping rules: a tunnel that returns is usable
but not preferred until it has stayed up for failback-delay, and a flap restarts it."""

import time

from conftest import CIRCUIT, CLOUD, VPNGW, gw_config, parse_time

FLAPS, PERIOD, FAILBACK = 20, 3.0, 5
SRC = 'vpn cloudvpn tunnel t1'


def test_tunnel_flaps_damped(scen):
	s = scen(configs={'gw': gw_config({'<preference>circuit</preference>':
					   '<preference>vpn</preference>'})}, ready_cloud=[VPNGW])
	swan = s.lb.swans['vpngw']
	n0 = len(s.journal())
	samples = []
	t_start = time.monotonic()
	for i in range(FLAPS):
		swan.swanctl(['--terminate', '--ike', 'gw'], check=False)
		while time.monotonic() < t_start + (i + 1) * PERIOD:
			samples.append((time.monotonic(), s.kernel_nh(CLOUD[0])))
			time.sleep(0.1)
	t_last = t_start + (FLAPS - 1) * PERIOD
	s.wait_kernel({p: [VPNGW] for p in CLOUD[:3]}, 40, 'back on the tunnel after the flaps')
	ev = s.journal()[n0:]
	mine = [e for e in ev if e.get('source') == SRC]
	downs = [e for e in mine if e['trigger'] in ('tunnel-down', 'dpd')]
	fbs = [e for e in mine if e['trigger'] == 'failback']
	# every flap seen; one failback, after the last
	assert len(downs) >= FLAPS - 2, [e['trigger'] for e in mine]
	assert len(fbs) == 1, [(e['trigger'], e['detected']) for e in mine]
	assert parse_time(fbs[0]['detected']) >= parse_time(downs[-1]['detected']) + FAILBACK
	# the kernel: off the tunnel from the first flap on, never back during them
	on = [(t, nh) for t, nh in samples]
	first_off = next(t for t, nh in on if nh == CIRCUIT)
	assert first_off - t_start <= PERIOD, on[:5]
	during = [nh for t, nh in on if first_off <= t <= t_last]
	assert during and all(nh == CIRCUIT for nh in during), \
		'back on the tunnel during the flapping: %r' % [x for x in on if x[1] != CIRCUIT]
	# churn: at most the switch away (it may precede the first sample: the
	# deletion is acted on before swanctl returns); the one back comes after
	changes = sum(1 for a, b in zip(on, on[1:]) if a[1] != b[1])
	assert changes <= 1, changes
	assert all(n['state'] == 'established' for n in s.neighbors().values()), s.neighbors()
