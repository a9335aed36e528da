# SPDX-License-Identifier: ISC
"""tests/scenario/test_vpn_streams.py - (10) a silent circuit failure moves a ping stream
and an iperf3 UDP stream from the circuit onto ESP: the scenario lab's cloud VPN is a
real IPsec tunnel (hybridgwd <-> strongSwan). Loss is measured and bounded by the
circuit's BFD detection (100 ms x 3) plus a margin for the switch and a loaded host:
1 s, the same bound as the ping-only failover (scenario 2)."""

import json
import subprocess
import time

from conftest import CLOUD, CLOUDHOST, VPNGW

BOUND_S = 1.0		# BFD 300 ms + the switch + margin
RATE = 4000000		# bit/s of UDP: far below the tunnel's capacity here (ASan too)
LEN = 1200		# datagram payload: fits the tunnel's 1400-byte inner MTU
SECONDS = 12


def _tunnel(s):
	for t in s.ctl('show vpn')['hybridgw:gateway-state']['vpn']['tunnel']:
		if t['connection'] == 'cloudvpn':
			return t
	return None


def test_streams_onto_esp(scen):
	s = scen()
	out0 = int(_tunnel(s)['counters']['packets-out'])
	srv = s.lb.ns('cloudhost').popen(['iperf3', '-s', '-1', '-J'], stdout=subprocess.PIPE,
					 stderr=subprocess.DEVNULL, text=True)
	time.sleep(0.5)
	cli = s.lb.ns('lanhost').popen(['iperf3', '-c', CLOUDHOST, '-u', '-b', str(RATE), '-l',
					str(LEN), '-w', '4M', '-t', str(SECONDS), '-J'],
				       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
	ping = s.ping('lanhost', CLOUDHOST)
	time.sleep(3.0)
	s.silence('ce1', 'ce2')
	t0 = time.time()
	s.wait_kernel({p: [VPNGW] for p in CLOUD[:3]}, 5.0, 'the cloud prefixes on the tunnel')
	t_sw = time.time() - t0
	client = json.loads(cli.communicate(timeout=SECONDS + 60)[0] or '{}')
	server = json.loads(srv.communicate(timeout=30)[0] or '{}')
	res = ping.stop()
	out1 = int(_tunnel(s)['counters']['packets-out'])
	pps = RATE / 8.0 / LEN
	end = server['end']['sum']
	print('\nswitch seen after %.2f s; iperf3: %d/%d datagrams lost; ping: lost %d, outage '
	      '%.3f s; ESP packets out %d' % (t_sw, end['lost_packets'], end['packets'],
					     res['lost'], res['outage_s'], out1 - out0))
	assert client and end['packets'] > 0, (client, server)
	assert res['recovered'], res
	assert res['outage_s'] < BOUND_S, res
	assert end['lost_packets'] <= pps * BOUND_S, end
	# the stream's second half went over ESP (at least 4 of its last ~8 s)
	assert out1 - out0 >= pps * 4, (out0, out1)
	assert _tunnel(s)['state'] == 'up'
