# SPDX-License-Identifier: ISC
"""hgwlab/esp.py - esp_static (the statically keyed userspace ESP tunnel,
tests/tools/vpn_esp_static.c) in a namespace, and the two-gateway topology
the ESP tests and the throughput benchmark share:

    host A (ha) --lan-- gateway A (ga) ==wan== gateway B (gb) --lan-- host B (hb)
    10.1.0.2/fd01::2    10.1.0.1  192.0.2.1    192.0.2.2  10.2.0.1   10.2.0.2/fd02::2

Each gateway forwards between its LAN and its tunnel device; the hosts route
everything to their gateway."""

import json
import os
import signal
import time

from . import util
from .hgw import build_dir, sanitizer_errors
from .netns import veth
from .proc import Daemon, Proc

GA_WAN, GB_WAN = '192.0.2.1', '192.0.2.2'
HA, HB = '10.1.0.2', '10.2.0.2'
HA6, HB6 = 'fd01::2', 'fd02::2'


def esp_static_path(build=None):
	return os.path.join(build or build_dir(), 'tests', 'tools', 'esp_static')


def topology(make_ns, mtu=None):
	"""Four namespaces from make_ns(suffix) (the netns fixture, or anything
	returning a created Netns); returns dict ha, ga, gb, hb."""
	ns = {k: make_ns(k) for k in ('ha', 'ga', 'gb', 'hb')}
	# no DAD on the test addresses: usable at once
	for k in ns:
		ns[k].sysctl('net.ipv6.conf.default.accept_dad', 0)
		ns[k].sysctl('net.ipv6.conf.all.accept_dad', 0)
	veth(ns['ha'], 'eth0', ns['ga'], 'lan', ['10.1.0.2/24', 'fd01::2/64'],
	     ['10.1.0.1/24', 'fd01::1/64'])
	veth(ns['ga'], 'wan', ns['gb'], 'wan', GA_WAN + '/24', GB_WAN + '/24', mtu=mtu)
	veth(ns['hb'], 'eth0', ns['gb'], 'lan', ['10.2.0.2/24', 'fd02::2/64'],
	     ['10.2.0.1/24', 'fd02::1/64'])
	for h, gw, gw6 in (('ha', '10.1.0.1', 'fd01::1'), ('hb', '10.2.0.1', 'fd02::1')):
		ns[h].run(['ip', 'route', 'add', 'default', 'via', gw])
		ns[h].run(['ip', '-6', 'route', 'add', 'default', 'via', gw6])
	for g in ('ga', 'gb'):
		ns[g].sysctl('net.ipv4.ip_forward', 1)
		ns[g].sysctl('net.ipv6.conf.all.forwarding', 1)
	return ns


def wait_v6(ns, timeout=10.0):
	"""Wait until no IPv6 address in ns is tentative."""
	util.wait_for(lambda: 'tentative' not in ns.out(['ip', '-6', 'addr']), timeout, 0.05,
		      'IPv6 addresses in %s' % ns.name)


def route_via(ns, dev, prefixes):
	for p in prefixes:
		ns.run(['ip', '-6' if ':' in p else '-4', 'route', 'replace', p, 'dev', dev])


class EspStatic(Daemon):
	"""esp_static --dev DEV --local L --remote R ... in namespace ns; stats()
	asks for the counters (SIGUSR1) and returns them parsed; stop() sends
	SIGTERM and returns the exit code (the last counters in last_stats)."""

	def __init__(self, ns, dev, local, remote, spi_in, spi_out, key_in, key_out,
		     mode='udp', extra=(), workdir=None, build=None, name='esp'):
		self.ns, self.name = ns, name
		self.dir = workdir or util.make_workdir('esp-' + name)
		self._own_dir = workdir is None
		self.log = os.path.join(self.dir, name + '.log')
		self.stats_file = os.path.join(self.dir, name + '.stats')
		self.argv = [esp_static_path(build), '--dev', dev, '--local', local,
			     '--remote', remote, '--spi-in', hex(spi_in), '--spi-out', hex(spi_out),
			     '--key-in', key_in, '--key-out', key_out,
			     '--udp' if mode == 'udp' else '--raw', '--stats', self.stats_file] + list(extra)
		self.proc = None
		self.last_stats = None

	def start(self, timeout=10.0):
		name = getattr(self.ns, 'name', self.ns)
		self.proc = Proc(['ip', 'netns', 'exec', name] + self.argv, self.log, name=self.name)

		def ready():
			if not self.proc.alive():
				raise util.Fatal('esp_static %s exited:\n%s' % (self.name, self.proc.tail()))
			return '"ready":true' in self._lines(self.stats_file)
		util.wait_for(ready, timeout, 0.02, 'esp_static %s ready' % self.name)
		return self

	@staticmethod
	def _lines(path):
		try:
			with open(path) as f:
				text = f.read()
		except OSError:
			return ''
		return text

	def _stats_lines(self):
		return [json.loads(line) for line in self._lines(self.stats_file).splitlines()
			if line.startswith('{"in"')]

	def events(self):
		return [json.loads(line) for line in self._lines(self.stats_file).splitlines()
			if line.startswith('{"event"')]

	def stats(self, timeout=5.0):
		before = len(self._stats_lines())
		self.proc.send_signal(signal.SIGUSR1)
		util.wait_for(lambda: len(self._stats_lines()) > before, timeout, 0.01,
			      'esp_static %s counters' % self.name)
		return self._stats_lines()[-1]

	def stop(self, grace=10.0):
		if self.proc is None:
			return None
		rc = self.proc.stop(signal.SIGTERM, grace)
		lines = self._stats_lines()
		self.last_stats = lines[-1] if lines else None
		return rc

	def sanitizer_errors(self):
		return sanitizer_errors(self.log)

	def cpu_seconds(self):
		"""User + system CPU time of the process so far (all threads)."""
		with open('/proc/%d/stat' % self.esp_pid()) as f:
			fields = f.read().rsplit(') ', 1)[1].split()
		return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

	def esp_pid(self):
		"""The esp_static process (the Proc is `ip netns exec`, which execs it)."""
		return self.proc.pid


def keys(n=2, length=20, seed=1):
	"""n distinct hex keys of `length` bytes (GCM-128: 16 + 4 salt)."""
	return [''.join('%02x' % ((seed * 37 + i * 11 + j * 7) & 0xff) for j in range(length))
		for i in range(n)]


def pair(ns, mode='udp', extra=(), key_b_in=None, build=None, workdir=None):
	"""esp_static in ga and gb with mirrored SPIs and keys, started, and the
	routes between the LANs through their devices. key_b_in replaces the key
	B expects from A (a wrong key). Returns (a, b)."""
	ka, kb = keys()
	a = EspStatic(ns['ga'], 'esp0', GA_WAN, GB_WAN, 0x1001, 0x2002, kb, ka, mode, extra,
		      build=build, name='ga', workdir=workdir)
	b = EspStatic(ns['gb'], 'esp0', GB_WAN, GA_WAN, 0x2002, 0x1001, key_b_in or ka, kb,
		      mode, extra, build=build, name='gb', workdir=workdir)
	return a, b


def up(ns, a, b):
	a.start()
	b.start()
	route_via(ns['ga'], 'esp0', ['10.2.0.0/24', 'fd02::/64'])
	route_via(ns['gb'], 'esp0', ['10.1.0.0/24', 'fd01::/64'])
	time.sleep(0.05)
