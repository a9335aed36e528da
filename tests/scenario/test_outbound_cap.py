# SPDX-License-Identifier: ISC
"""tests/scenario/test_outbound_cap.py - the circuit's outbound prefix cap (scenario 7): with
more local prefixes than outbound-prefix-limit, a circuit peer never receives more than
the cap (ce1 runs FRR with `maximum-prefix` = the cap, so one prefix too many would tear
its session down, like the provider does), the kept set is deterministic (local prefixes
first, lowest first), the alarm is raised and cleared, and lowering or raising the
limit at runtime (hybridgwctl config apply) takes effect."""

import re
import threading
import time

from hgwlab import util

from conftest import gw_config, frr_config

GW1, GW2 = '172.16.1.1', '172.16.1.5'
LOCAL = ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16']
# wanted towards the circuit: the configured local prefixes, the LAN-learned
# 10.1.1.0/24 (local too) and the branch's 10.50.0.0/16 (site)
WANTED = sorted(LOCAL + ['10.1.1.0/24', '10.50.0.0/16'],
		key=lambda p: (tuple(int(x) for x in p.split('/')[0].split('.')), int(p.split('/')[1])))


def _config(cap):
	extra = ''.join('    <local-prefix>%s</local-prefix>\n' % p for p in LOCAL[1:])
	return gw_config({
		'<outbound-prefix-limit>4000</outbound-prefix-limit>':
			'<outbound-prefix-limit>%d</outbound-prefix-limit>' % cap,
		'    <local-prefix>10.1.0.0/16</local-prefix>\n':
			'    <local-prefix>10.1.0.0/16</local-prefix>\n' + extra,
	})


class Watch:
	"""Sample what ce1 and ce2 hold from the gateway, in the background."""

	def __init__(self, s):
		self.s, self.max = s, {'ce1': 0, 'ce2': 0}
		self.stop_ev = threading.Event()
		self.t = threading.Thread(target=self.run, daemon=True)
		self.t.start()

	def run(self):
		while not self.stop_ev.is_set():
			for node, gw in (('ce1', GW1), ('ce2', GW2)):
				try:
					n = len(self.s.peer_routes(node, gw))
				except Exception:	# noqa: BLE001 - vtysh busy: next sample
					continue
				self.max[node] = max(self.max[node], n)
			time.sleep(0.05)

	def stop(self):
		self.stop_ev.set()
		self.t.join()
		return self.max


def _received(s, node, gw):
	return s.peer_routes(node, gw)


def _wait_sets(s, want, what):
	util.wait_for(lambda: _received(s, 'ce1', GW1) == want and _received(s, 'ce2', GW2) == want,
		      15, 0.1, what)


def _dropped(s):
	"""(sessions ce1 dropped, state); the reason is in the assertion message."""
	n = s.frr('ce1').vtysh_json('show bgp neighbors %s json' % GW1)[GW1]
	_dropped.why = (n.get('lastResetDueTo'), n.get('lastNotificationReason'), n.get('lastResetCode'))
	return n.get('connectionsDropped', 0), n.get('bgpState')


def test_outbound_cap(scen):
	ce1 = frr_config('ce1', {'  neighbor 172.16.1.1 route-map TO-GW out\n':
				 '  neighbor 172.16.1.1 route-map TO-GW out\n'
				 '  neighbor 172.16.1.1 maximum-prefix 3\n'})
	s = scen(configs={'gw': _config(3), 'ce1': ce1})
	# ce1 tears its session down with Cease/1 (logged by the gateway) the
	# moment it receives a 4th prefix; the watcher samples both edges
	drops0 = _dropped(s)[0]
	w = Watch(s)
	try:
		_wait_sets(s, WANTED[:3], 'the 3 lowest local prefixes at ce1 and ce2')
		time.sleep(1.0)
		_wait_sets(s, WANTED[:3], 'still the 3 lowest a second later')
		log = s.log()
		# the alarm (also a NETCONF outbound-prefix-limit notification)
		assert re.search(r'export circuit er1 link primary: \d+ prefixes wanted, cap 3: '
				 r'withholding', log), log[-2000:]
		alarms = s.ctl(['show', 'failover'])['hybridgw:gateway-state']['alarms']
		al = {a['target']: a for a in alarms['outbound-prefix-limit']}
		assert al['circuit er1 link primary']['limit'] == 3, al
		assert al['circuit er1 link primary']['withheld'] == \
			al['circuit er1 link primary']['wanted'] - 3, al
		nb = s.neighbors()
		assert nb['172.16.1.2']['counters']['prefixes-advertised'] == 3, nb['172.16.1.2']
		# the other peers are not capped: the LAN gets cloud + site, not local
		assert '10.50.0.0/16' in s.peer_routes('lanr', '10.1.0.1')

		# lower to 2 at runtime
		s.apply(_config(2))
		_wait_sets(s, WANTED[:2], 'cap lowered to 2')
		m = w.stop()
		assert 'NOTIFICATION 6/1 ' not in s.log(), 'a circuit peer hit its maximum-prefix'
		# applied in place: the gateway did not re-create the circuit sessions
		assert 'Peer De-configured' not in s.log(), 'the cap change reset the sessions'
		# nor did the peer drop one (a BFD flap of a loaded machine would)
		if _dropped(s)[0] != drops0:
			print('\nnote: ce1 session reset during the test: %r' % (_dropped.why,))
		print('\noutbound cap: most prefixes ever held from the gateway: %r (cap 3, then 2)' % m)
		assert m['ce1'] <= 3 and m['ce2'] <= 3, m
	finally:
		if not w.stop_ev.is_set():
			w.stop()

	# raise it above what is wanted: everything, the alarm clears
	s.frr('ce1').vtysh(['configure terminal', 'router bgp 12076', 'address-family ipv4 unicast',
			    'no neighbor 172.16.1.1 maximum-prefix 3'])
	s.apply(_config(10))
	_wait_sets(s, WANTED, 'cap raised to 10: all 6 prefixes')
	util.wait_for(lambda: re.search(r'export circuit er1 link primary: back under its cap '
					r'\(6/10\)', s.log()), 5, 0.1, 'alarm cleared')
	assert s.neighbors()['172.16.1.2']['counters']['prefixes-advertised'] == 6
	alarms = s.ctl(['show', 'failover'])['hybridgw:gateway-state'].get('alarms', {})
	assert not alarms.get('outbound-prefix-limit'), alarms
	assert 'Peer De-configured' not in s.log(), 'the cap change reset the sessions'
