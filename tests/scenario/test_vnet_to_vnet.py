# SPDX-License-Identifier: ISC
"""tests/scenario/test_vnet_to_vnet.py - (14) VNet-to-VNet (topologies/vnet-to-vnet.clab.yml):
two hybridgwd joined by two IPsec tunnels, BGP inside each, each advertising its own VNet.
Both learn the other's prefix over both tunnels (ECMP) and the hosts reach each other;
when WAN 1 dies silently, both gateways' DPD (6 s) takes tunnel t1 down and both keep
forwarding over t2, the group rewritten in place; when it comes back, t1 rejoins after
failback-delay (5 s)."""

import os
import time

import hgwlab
from conftest import Scenario
from hgwlab import util
from hgwlab.hgw import hybridgwctl

TOPO = os.path.join(hgwlab.src_dir(), 'topologies', 'vnet-to-vnet.clab.yml')
DPD, FAILBACK, MARGIN = 6, 5, 3.0
VNET = {'gwa': ('10.20.0.0/16', ['169.254.21.1', '169.254.22.1'], '169.254.22.1'),
	'gwb': ('10.10.0.0/16', ['169.254.21.2', '169.254.22.2'], '169.254.22.2')}


def _tunnels(lb, node):
	st = hybridgwctl('show vpn', sock=lb.ctl_sock(node))['hybridgw:gateway-state']['vpn']
	return {t['name']: t for t in st.get('tunnel', [])}


def test_vnet_to_vnet(lab, workdir):
	lb = lab(TOPO)
	sides = {n: Scenario(lb, workdir, node=n) for n in VNET}
	for n in VNET:
		util.wait_for(lambda: all(t['state'] == 'up' for t in _tunnels(lb, n).values()) and
			      len(_tunnels(lb, n)) == 2, 40, 0.1, '%s: both tunnels up' % n)
		lb.wait_gateway(n, timeout=40)
	for n, (pfx, both, _) in VNET.items():
		sides[n].wait_kernel({pfx: both}, 30, '%s: the other VNet over both tunnels' % n)
	# each advertises its own VNet, and only that
	for n, (pfx, _, _) in VNET.items():
		assert set(sides[n].kernel_routes()) == {pfx}, sides[n].kernel_routes()
	out = lb.exec('hosta', ['ping', '-c', '3', '-i', '0.2', '-W', '1', '10.20.1.10'], check=False)
	assert out.returncode == 0, out.stdout
	nhids = {n: sides[n].kernel_routes()[VNET[n][0]]['nhid'] for n in VNET}

	# WAN 1 goes silent (both directions dropped at gwb's end): DPD on both sides
	ping = sides['gwa'].ping('hosta', '10.20.1.10', interval=0.02)
	time.sleep(1.0)
	n0 = {n: len(sides[n].journal()) for n in VNET}
	hgwlab.silence(lb.ns('gwb'), 'eth1')
	t0 = time.time()
	for n, (pfx, _, t2) in VNET.items():
		sides[n].wait_kernel({pfx: [t2]}, DPD + MARGIN, '%s: on t2 alone' % n)
	assert time.time() - t0 <= DPD + MARGIN
	for n in VNET:
		assert sides[n].kernel_routes()[VNET[n][0]]['nhid'] == nhids[n]
		ev = sides[n].journal()[n0[n]:]
		assert [e['trigger'] for e in ev if e['source'].endswith('tunnel t1')] == ['dpd'], ev
	time.sleep(2.0)
	res = ping.stop()
	assert res['recovered'], res
	assert res['outage_s'] <= DPD + MARGIN, res

	# WAN 1 back: t1 up again, the group grows again after failback-delay
	hgwlab.unsilence(lb.ns('gwb'))
	for n, (pfx, both, _) in VNET.items():
		sides[n].wait_kernel({pfx: both}, 40 + FAILBACK, '%s: over both tunnels again' % n)
		ev = sides[n].journal()[n0[n]:]
		assert any(e['trigger'] == 'failback' for e in ev), ev
	out = lb.exec('hostb', ['ping', '-c', '3', '-i', '0.2', '-W', '1', '10.10.1.10'], check=False)
	assert out.returncode == 0, out.stdout
