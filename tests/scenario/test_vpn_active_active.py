# SPDX-License-Identifier: ISC
"""tests/scenario/test_vpn_active_active.py - the active-active cloud VPN over real IPsec
(topologies/active-active.clab.yml: hybridgwd with two tunnels to two strongSwan
instances, BGP inside each, and a circuit): (11) a cloud VPN instance dies (DPD) - the
ECMP group shrinks to the other tunnel in place, nothing else moves; (12) the circuit
goes down and then one tunnel - traffic stays on the remaining tunnel.

Bounds are protocol units: ike/dpd-timeout 6 s (the instance's death), the circuit's
BGP hold time 9 s (no BFD in this lab), plus MARGIN for polls and a loaded host."""

import os
import time

import hgwlab
from conftest import Scenario, parse_time
from hgwlab import util

TOPO = os.path.join(hgwlab.src_dir(), 'topologies', 'active-active.clab.yml')
T1, T2 = '169.254.21.1', '169.254.22.1'
CE1, CE2 = '172.16.1.2', '172.16.1.6'
CLOUD = '10.100.0.0/16'
CLOUDHOST, LANHOST = '10.100.1.10', '10.1.1.10'
DPD, HOLD, MARGIN = 6, 9, 3.0


def _up(lab, workdir, preference='circuit'):
	configs = None
	if preference != 'circuit':
		with open(os.path.join(os.path.dirname(TOPO), 'configs', 'active-active', 'gw',
				       'hybridgw.xml')) as f:
			configs = {'gw': f.read().replace('<preference>circuit</preference>',
							  '<preference>%s</preference>' % preference)}
	s = Scenario(lab(TOPO, configs=configs), workdir)
	s.lb.wait_gateway('gw', timeout=60)
	for t in ('t1', 't2'):
		util.wait_for(lambda: _tunnel(s, t)['state'] == 'up', 30, 0.1, 'tunnel %s up' % t)
	return s


def _tunnel(s, name):
	for t in s.ctl('show vpn')['hybridgw:gateway-state']['vpn']['tunnel']:
		if t['name'] == name:
			return t
	return None


def _others(s):
	"""Every kernel route but the cloud prefix's, with where it forwards."""
	return {p: (r.get('nhid'), s.kernel_nh(p)) for p, r in s.kernel_routes().items()
		if p != CLOUD}


def test_instance_dies_ecmp_shrinks(lab, workdir):
	"""(11) preference vpn: 10.100.0.0/16 over both tunnels. vpngw1 goes
	silent: within the DPD timeout the group holds t2 alone - the same
	kernel group, one journal event (dpd, tunnel t1), the circuit sessions and
	every other route untouched - and traffic flows on through t2."""
	s = _up(lab, workdir, preference='vpn')
	s.wait_kernel({CLOUD: [T1, T2]}, 30, 'ECMP over both tunnels')
	s.wait_quiet()
	nhid0 = s.kernel_routes()[CLOUD]['nhid']
	others0 = _others(s)
	nb0 = {a: n['state'] for a, n in s.neighbors().items()}
	assert nb0[CE1] == nb0[CE2] == 'established', nb0
	n0 = len(s.journal())
	ping = s.ping('lanhost', CLOUDHOST, interval=0.02)
	time.sleep(1.0)
	s.silence('vpngw1')
	t0 = time.time()
	t_sw = s.wait_kernel({CLOUD: [T2]}, DPD + MARGIN, 'the group shrunk to t2')
	assert t_sw - t0 <= DPD + MARGIN
	assert s.kernel_routes()[CLOUD]['nhid'] == nhid0, 'the group was replaced, not rewritten'
	time.sleep(2.0)
	res = ping.stop()
	ev = s.journal()[n0:]
	dead = [e for e in ev if e['trigger'] == 'dpd']
	assert len(dead) == 1 and dead[0]['source'] == 'vpn cloudvpn tunnel t1', ev
	assert dead[0]['to-class'] == 'vpn' and int(dead[0]['groups-rewritten']) >= 1, dead
	assert parse_time(dead[0]['detected']) - t0 <= DPD + 1.0, dead[0]
	# nothing else moved
	assert _others(s) == others0
	assert {a: s.neighbors()[a]['state'] for a in (CE1, CE2)} == {CE1: 'established',
								       CE2: 'established'}
	assert not [e for e in ev if e.get('source', '').startswith('circuit')], ev
	assert _tunnel(s, 't1')['reason'] == 'dpd' and _tunnel(s, 't2')['state'] == 'up'
	# the stream: lost at most for the detection time (and the cloud's 3 s
	# hold time towards vpngw1 for the replies), then back through t2
	assert res['recovered'], res
	assert res['outage_s'] <= DPD + MARGIN, res
	assert s.route_get(CLOUDHOST, src=LANHOST, iif='eth5') == T2


def test_circuit_then_tunnel_down(lab, workdir):
	"""(12) the circuit goes silent (BGP hold timer: no BFD here): the cloud
	prefix moves to ECMP over both tunnels; then vpngw1 dies: it stays on t2,
	a ping stream with it."""
	s = _up(lab, workdir)
	s.wait_kernel({CLOUD: [CE1, CE2]}, 30, 'the cloud prefix on the circuit')
	s.wait_quiet()
	ping = s.ping('lanhost', CLOUDHOST, interval=0.02)
	time.sleep(1.0)
	s.silence('ce1', 'ce2')
	t0 = time.time()
	s.wait_kernel({CLOUD: [T1, T2]}, HOLD + MARGIN, 'ECMP over both tunnels')
	assert time.time() - t0 <= HOLD + MARGIN
	nhid = s.kernel_routes()[CLOUD]['nhid']
	time.sleep(HOLD / 3.0)	# the far side's BGP hold time moved the replies too
	n0 = len(s.journal())
	s.silence('vpngw1')
	t1 = time.time()
	s.wait_kernel({CLOUD: [T2]}, DPD + MARGIN, 'the cloud prefix on t2 alone')
	assert time.time() - t1 <= DPD + MARGIN
	assert s.kernel_routes()[CLOUD]['nhid'] == nhid
	time.sleep(3.0)
	res = ping.stop()
	ev = s.journal()[n0:]
	assert [e['trigger'] for e in ev if e.get('source') == 'vpn cloudvpn tunnel t1'] == ['dpd'], ev
	assert res['recovered'], res
	# the longest outage: the circuit's (hold time, both ways) or the
	# instance's (DPD), never more
	assert res['outage_s'] <= HOLD + MARGIN, res
	assert s.route_get(CLOUDHOST, src=LANHOST, iif='eth5') == T2
	out = s.lb.exec('lanhost', ['ping', '-c', '3', '-i', '0.2', '-W', '1', CLOUDHOST], check=False)
	assert out.returncode == 0, out.stdout
