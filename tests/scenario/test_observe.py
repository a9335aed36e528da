# SPDX-License-Identifier: ISC
"""tests/scenario/test_observe.py - watching the gateway from outside (issue 14): the
Prometheus endpoint scraped with a real HTTP client (curl in the gateway's namespace) and
checked with the prometheus_client parser, and `hybridgwctl monitor` (text and --json)
streaming the BGP, BFD and failover events of a silent circuit failure while a monitor
that never reads stays connected without holding the daemon up."""

import json
import os
import socket
import subprocess
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import CE1, CE2, CLOUD, VPNGW, gw_config
from hgwlab import util
from hgwlab.hgw import hybridgwctl_path

PORT = 9179
METRICS = '<metrics><address>127.0.0.1</address><port>%d</port></metrics>\n  <policy>' % PORT


def scrape(s):
	"""{(name, labels tuple): value}, {family name: type} of one scrape."""
	p = s.gw.run(['curl', '-sS', '-f', '--max-time', '10', '-D', '-',
		      'http://127.0.0.1:%d/metrics' % PORT], check=True)
	head, _, body = p.stdout.replace('\r\n', '\n').partition('\n\n')
	assert head.startswith('HTTP/1.1 200'), head
	assert 'text/plain; version=0.0.4' in head, head
	samples, types = {}, {}
	for fam in text_string_to_metric_families(body):
		types[fam.name] = fam.type
		for smp in fam.samples:
			key = (smp.name, tuple(sorted(smp.labels.items())))
			assert key not in samples, 'duplicate sample %r' % (key,)
			samples[key] = smp.value
	return samples, types


def value(samples, metric, **labels):
	return samples[(metric, tuple(sorted(labels.items())))]


def by_name(samples, name):
	return {k[1]: v for k, v in samples.items() if k[0] == name}


def source_states(samples):
	"""{(class, source): current state} from hybridgw_path_source_state, which
	has exactly one state at 1 per source."""
	out = {}
	for labels, v in by_name(samples, 'hybridgw_path_source_state').items():
		d = dict(labels)
		key = (d['class'], d['source'])
		out.setdefault(key, [])
		if v == 1:
			out[key].append(d['state'])
	assert all(len(v) == 1 for v in out.values()), out
	return {k: v[0] for k, v in out.items()}


class Monitor:
	"""hybridgwctl monitor [--json] in the background, lines collected."""

	def __init__(self, sock, json_out):
		argv = [hybridgwctl_path(), '-s', sock, 'monitor'] + (['--json'] if json_out else [])
		self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
					  text=True, bufsize=1)
		self.lines = []
		import threading
		self.t = threading.Thread(target=self._read, daemon=True)
		self.t.start()

	def _read(self):
		for line in self.p.stdout:
			self.lines.append(line.rstrip('\n'))

	def stop(self):
		self.p.terminate()
		self.p.wait(timeout=10)
		self.t.join(timeout=5)
		return self.lines


def test_metrics_and_monitor_through_a_failover(scen):
	s = scen(configs={'gw': gw_config({'<policy>': METRICS})})
	# a monitor that never reads: the daemon must not wait for it
	stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	stuck.connect(s.sock)
	stuck.sendall(b'monitor\n')
	stuck.shutdown(socket.SHUT_WR)
	stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	text_mon = Monitor(s.sock, False)
	json_mon = Monitor(s.sock, True)
	time.sleep(0.5)

	samples, types = scrape(s)
	name = 'circuit er1 link primary'
	assert value(samples, 'hybridgw_bgp_session_up', neighbor=CE1, name=name) == 1
	assert value(samples, 'hybridgw_bgp_session_state', neighbor=CE1, name=name,
		     state='Established') == 1
	assert value(samples, 'hybridgw_bgp_prefixes_received', neighbor=CE1, name=name) >= 4
	assert value(samples, 'hybridgw_bgp_prefixes_advertised', neighbor=CE1, name=name) >= 1
	assert by_name(samples, 'hybridgw_bfd_session_up') == {
		(('interface', 'eth1'), ('peer', CE1)): 1, (('interface', 'eth2'), ('peer', CE2)): 1}
	routes = {dict(k)['class']: v for k, v in by_name(samples, 'hybridgw_routes').items()}
	assert routes['circuit'] >= 4 and routes['vpn'] >= 1, routes
	assert types['hybridgw_failover_switch_seconds'] == 'histogram'
	assert types['hybridgw_bgp_messages_received'] == 'counter'	# parser drops _total
	assert value(samples, 'hybridgw_monitors') == 3
	assert value(samples, 'hybridgw_config_commit_seconds_count') >= 1
	src = source_states(samples)
	assert [k for k in src if k[0] == 'circuit'] and [k for k in src if k[0] == 'vpn'], src
	assert set(src.values()) == {'up'}, src
	assert types['hybridgw_path_source_paths'] == 'gauge'
	assert all(v == 0 for v in by_name(samples, 'hybridgw_path_source_drained').values())
	fail0 = value(samples, 'hybridgw_failovers_total')
	det0 = value(samples, 'hybridgw_failover_detection_seconds_count')

	# a silent circuit failure: BFD detects it, everything moves to the VPN
	s.silence('ce1', 'ce2')
	s.wait_kernel({p: [VPNGW] for p in CLOUD[:3]}, timeout=10, what='cloud on the VPN')
	util.wait_for(lambda: all(b['state'] == 'down' for b in s.bfd().values()), 10, 0.1,
		      'BFD down')
	time.sleep(0.5)
	samples, _ = scrape(s)
	assert value(samples, 'hybridgw_failovers_total') > fail0
	assert value(samples, 'hybridgw_failover_detection_seconds_count') >= det0 + 2
	# BFD 100 ms x 3: the last packet was 0.3 s before the session went down
	det = by_name(samples, 'hybridgw_failover_detection_seconds_bucket')
	assert det[(('le', '0.15'),)] == det0, det	# none faster than the detect time
	assert det[(('le', '1'),)] >= det0 + 2, det
	assert value(samples, 'hybridgw_failover_switch_seconds_count') >= 1
	assert value(samples, 'hybridgw_bfd_session_flaps_total', interface='eth1', peer=CE1) >= 1
	routes = {dict(k)['class']: v for k, v in by_name(samples, 'hybridgw_routes').items()}
	assert routes['circuit'] == 0 and routes['vpn'] >= 4, routes
	assert value(samples, 'hybridgw_journal_events_total', trigger='bfd-down') >= 2
	src = source_states(samples)	# what `show failover` says, as metrics
	assert all(v == 'down' for k, v in src.items() if k[0] == 'circuit'), src
	assert all(v == 'up' for k, v in src.items() if k[0] == 'vpn'), src
	want = {n: x['state'] for n, x in s.sources().items()}
	assert {k[1]: v for k, v in src.items()} == want, (src, want)

	# the live streams saw it as it happened
	util.wait_for(lambda: any('"event":"failover"' in ln for ln in json_mon.lines), 10, 0.1,
		      'failover event on the JSON monitor')
	time.sleep(0.5)
	text = text_mon.stop()
	events = [json.loads(ln) for ln in json_mon.stop()]
	assert text[0].startswith('monitoring hybridgwd'), text
	assert any(' bfd ' in ln and CE1 in ln and 'Down' in ln for ln in text), text
	assert any(' failover ' in ln and 'bfd-down' in ln and 'moved to vpn' in ln for ln in text), text
	bfd = [e for e in events if e['event'] == 'bfd' and e['state'] == 'down']
	assert {e['peer'] for e in bfd} == {CE1, CE2}, events
	fo = [e for e in events if e['event'] == 'failover' and e['trigger'] == 'bfd-down']
	assert fo and fo[-1]['to-class'] == 'vpn' and fo[-1]['prefixes-moved'] >= 1, fo
	assert all(isinstance(e['switch-time-us'], int) for e in fo), fo
	# BGP may or may not have dropped yet (hold time 9 s); when it did it says so
	for e in events:
		if e['event'] == 'bgp':
			assert e['state'] in ('down', 'established') and e['neighbor'] in (CE1, CE2), e

	# the daemon kept answering with a stuck monitor attached; it is still one
	assert s.ctl('show version', json=False).startswith('hybridgw')
	samples, _ = scrape(s)
	assert value(samples, 'hybridgw_monitors') >= 1
	stuck.close()


def test_metrics_config_is_checked_on_commit(scen):
	"""The endpoint follows commits: off by default, on, a port that is taken
	refuses the commit and keeps the running config, off again."""
	s = scen(ready=False)

	def refused():
		return s.gw.run(['curl', '-s', '-o', '/dev/null', '--max-time', '2',
				 'http://127.0.0.1:%d/metrics' % PORT], check=False).returncode == 7
	assert refused(), 'endpoint open by default'	# curl 7: connection refused
	base = gw_config()
	s.apply(base.replace('<policy>', METRICS))
	samples, _ = scrape(s)
	assert [k for k in samples if k[0] == 'hybridgw_build_info'], samples
	# a port something else holds: refused, running unchanged, endpoint still up
	holder = s.gw.popen(['/usr/bin/python3', '-c', 'import socket,time; s=socket.socket(); '
			     's.bind(("127.0.0.1", 9180)); s.listen(); time.sleep(60)'])
	try:
		time.sleep(0.5)
		path = os.path.join(s.workdir, 'taken.xml')
		with open(path, 'w') as f:
			f.write(base.replace('<policy>', METRICS.replace(str(PORT), '9180')))
		r = subprocess.run([hybridgwctl_path(), '-s', s.sock, 'config', 'apply', path],
				   text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
		assert r.returncode != 0 and 'metrics' in r.stderr and '9180' in r.stderr, r
	finally:
		holder.kill()
		holder.wait()
	scrape(s)
	assert '<port>%d</port>' % PORT in s.ctl('show config', json=False)
	s.apply(base)
	util.wait_for(refused, 5, 0.1, 'endpoint closed')
