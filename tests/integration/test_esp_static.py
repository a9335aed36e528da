# SPDX-License-Identifier: ISC
# tests/integration/test_esp_static.py - two gateways keyed by esp_static carry IPv4 and IPv6 between their LANs over ESP-in-UDP and raw ESP; counters agree with the traffic; a wrong key carries nothing and counts authentication failures.
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

from hgwlab.fixtures import *	# noqa: F401,F403,E402
from hgwlab import esp, util	# noqa: E402


@pytest.fixture
def gateways(netns, workdir):
	"""gateways(mode, key_b_in=None) -> (ns, a, b): the topology with
	esp_static running in both gateways; stopped (and checked for sanitizer
	reports) after the test."""
	made = []

	def make(mode, key_b_in=None, extra=()):
		if not os.access(esp.esp_static_path(), os.X_OK):
			pytest.fail('esp_static is not built: %s' % esp.esp_static_path())
		ns = esp.topology(netns)
		a, b = esp.pair(ns, mode, extra=extra, key_b_in=key_b_in, workdir=workdir)
		made.extend([a, b])
		esp.up(ns, a, b)
		return ns, a, b
	yield make
	reports = []
	for d in made:
		rc = d.stop()
		if d.sanitizer_errors():
			reports.append('%s:\n%s' % (d.log, d.sanitizer_errors()))
		elif rc not in (0, None):
			reports.append('%s exited %s:\n%s' % (d.name, rc, d.proc.tail()))
	if reports:
		pytest.fail('\n'.join(reports), pytrace=False)


def ping(ns, dst, count=3):
	v6 = ':' in dst
	p = ns.run(['ping', '-6' if v6 else '-4', '-c', str(count), '-i', '0.05', '-W', '2', dst],
		   check=False)
	return p.returncode == 0, p.stdout


def _snmp(ns, proto):
	out = ns.out(['cat', '/proc/net/snmp'])
	lines = [line.split() for line in out.splitlines() if line.startswith(proto + ':')]
	return dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))


def kernel_lost(ns, mode):
	"""ESP the kernel of ns dropped before our sockets saw it: sent before
	esp_static there had its socket (no port / unknown protocol), or socket
	buffers full (udp); the drops column of /proc/net/raw (raw)."""
	if mode == 'udp':
		u = _snmp(ns, 'Udp')
		return u.get('NoPorts', 0) + u.get('InErrors', 0)
	raw = ns.out(['cat', '/proc/net/raw'])
	return (_snmp(ns, 'Ip').get('InUnknownProtos', 0) +
		sum(int(line.split()[-1]) for line in raw.splitlines()[1:] if line.strip()))


def agreeing(a, b, mode, ns):
	"""Counters of A and B once they agree: what one sent on its outbound SA
	is what the other accepted on its inbound SA, plus what arrived before
	the SA or the socket was there. The readings are not simultaneous (the
	kernel sends IPv6 neighbour and multicast packets of its own through the
	devices): ask until they agree."""
	def agree():
		sa, sb = a.stats(), b.stats()
		ok = (sa['out']['packets'] == sb['in']['packets'] + sb['in']['auth_fail'] +
		      sb['dp']['rx_no_sa'] + kernel_lost(ns['gb'], mode) and
		      sb['out']['packets'] == sa['in']['packets'] + sa['in']['auth_fail'] +
		      sa['dp']['rx_no_sa'] + kernel_lost(ns['ga'], mode))
		return (sa, sb) if ok else None
	try:
		return util.wait_for(agree, 5.0, 0.1, 'counters of A and B agree')
	except util.WaitTimeout:
		pytest.fail('counters disagree: A %s B %s, lost in gb %d, in ga %d' % (
			a.stats(), b.stats(), kernel_lost(ns['gb'], mode), kernel_lost(ns['ga'], mode)))


@pytest.mark.parametrize('mode', ['udp', 'raw'])
def test_ping_both_ways(gateways, mode):
	ns, a, b = gateways(mode)
	for src, dst in (('ha', esp.HB), ('hb', esp.HA), ('ha', esp.HB6), ('hb', esp.HA6)):
		ok, out = util.wait_for(lambda: ping(ns[src], dst, 1)[0] and ping(ns[src], dst),
					10.0, 0.2, 'ping %s -> %s' % (src, dst))
		assert ok, out
	sa, sb = agreeing(a, b, mode, ns)
	assert sa['out']['packets'] >= 8
	for s in (sa, sb):
		assert s['in']['auth_fail'] == 0 and s['in']['replay_drop'] == 0
		assert s['in']['decrypt_err'] == 0 and s['in']['last_in_ms'] > 0
		assert s['dp']['tx_err'] == 0


@pytest.mark.parametrize('mode', ['udp', 'raw'])
def test_iperf_tcp(gateways, mode):
	ns, a, b = gateways(mode)
	util.wait_for(lambda: ping(ns['ha'], esp.HB, 1)[0], 10.0, 0.2, 'tunnel up')
	srv = ns['hb'].popen(['iperf3', '-s'], stdout=subprocess.DEVNULL,
			     stderr=subprocess.DEVNULL)
	try:
		cl = util.wait_for(lambda: _iperf_client(ns['ha']), 10.0, 0.2, 'iperf3 client')
	finally:
		srv.kill()
		srv.wait()
	# what the server counted, as the client reports it
	received = cl['end']['sum_received']['bytes']
	assert received > 1_000_000, cl['end']
	sa, sb = agreeing(a, b, mode, ns)
	# inner bytes carry the TCP payload plus headers: at least what iperf
	# counted, and not absurdly more
	assert sb['in']['bytes'] >= received
	assert sb['in']['bytes'] <= received * 1.10 + 1_000_000
	for s in (sa, sb):
		assert s['in']['auth_fail'] == 0 and s['in']['decrypt_err'] == 0
		assert s['dp']['tx_err'] == 0 and s['dp']['tx_bad'] == 0


def _iperf_client(ns):
	p = ns.run(['iperf3', '-c', esp.HB, '-t', '3', '-J'], check=False, timeout=60)
	if p.returncode != 0:
		return None
	r = json.loads(p.stdout)
	# a refused or cut-short run (the server not listening yet) has no sums
	if 'error' in r or 'sum_received' not in r.get('end', {}):
		return None
	return r


@pytest.mark.parametrize('mode', ['udp', 'raw'])
def test_wrong_key(gateways, mode):
	wrong = esp.keys(1, seed=9)[0]
	ns, a, b = gateways(mode, key_b_in=wrong)
	ok, out = ping(ns['ha'], esp.HB, 5)
	assert not ok, out
	# everything A sent B refused, counted as authentication failures
	sa, sb = agreeing(a, b, mode, ns)
	assert sa['out']['packets'] >= 5
	assert sb['in']['auth_fail'] >= 5
	assert sb['in']['packets'] == 0
	# the other direction still works: B -> A is keyed right; the echo
	# requests arrive at A's host, only the replies die at B
	assert sa['in']['auth_fail'] == 0


def test_lifetimes_and_events(gateways):
	"""A hard packet lifetime stops the SA and says so (soft first)."""
	ns, a, b = gateways('udp', extra=('--soft-packets', '3', '--hard-packets', '6'))
	ping(ns['ha'], esp.HB, 10)
	util.wait_for(lambda: any(e['event'] == 'hard' for e in a.events()), 5.0, 0.05,
		      'hard lifetime event')
	kinds = [e['event'] for e in a.events()]
	assert 'soft' in kinds and kinds.index('soft') < kinds.index('hard')
	s = a.stats()
	assert s['out']['packets'] == 6
	assert s['out']['drop'] > 0
