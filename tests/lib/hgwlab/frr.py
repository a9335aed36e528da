# SPDX-License-Identifier: ISC
"""hgwlab/frr.py - FRRouting 8.4 in a namespace: bgpd standalone (-Z, no FIB) or
the zebra+bgpd(+bfdd) full stack, per /work/shared/notes/real-peers.md."""

import json
import os
import shutil

from . import util
from .proc import Proc

FRR_LIB = '/usr/lib/frr'


class Frr:
	"""FRR in namespace `ns` with config `conf` (text, or a path to a file).
	The literal `$DIR` in the text is replaced by the instance directory.
	daemons: names to start besides zebra ('bgpd', 'bfdd', 'staticd').
	zebra=False (the default without bfdd) runs `bgpd -Z` alone (no kernel routes, fastest); zebra=True
	starts zebra first (routes into the namespace's kernel table) and runs
	zebra and bfdd as user frr, which they require."""

	def __init__(self, ns, conf, daemons=('bgpd',), zebra=None, workdir=None,
		     name='frr', log_level=None):
		self.ns = ns
		self.name = name
		self.daemons = list(daemons)
		# bgpd reaches bfdd only through zebra: BFD implies the full stack
		self.zebra = ('bfdd' in self.daemons) if zebra is None else zebra
		self.dir = workdir or util.make_workdir('frr-' + name)
		self._own_dir = workdir is None
		shutil.chown(self.dir, 'frr', 'frr')
		os.chmod(self.dir, 0o775)
		if '\n' not in conf and os.path.isfile(conf):
			with open(conf) as f:
				conf = f.read()
		self.conf = os.path.join(self.dir, 'frr.conf')
		with open(self.conf, 'w') as f:
			f.write(conf.replace('$DIR', self.dir))
		os.chmod(self.conf, 0o644)
		self.log_level = log_level
		self.procs = {}

	@property
	def nsname(self):
		return getattr(self.ns, 'name', self.ns)

	def _argv(self, daemon):
		argv = [os.path.join(FRR_LIB, daemon), '-f', self.conf,
			'-i', os.path.join(self.dir, daemon + '.pid'),
			'--vty_socket', self.dir, '-P', '0',
			'--log', 'file:' + os.path.join(self.dir, daemon + '.log')]
		if self.log_level:
			argv += ['--log-level', self.log_level]
		if daemon in ('zebra', 'bfdd', 'staticd'):
			argv += ['-u', 'frr', '-g', 'frr']
		else:
			argv += ['-S']
		if daemon == 'zebra':
			argv += ['-s', '90000000']
		if daemon == 'bfdd':
			argv += ['--bfdctl', os.path.join(self.dir, 'bfdd.sock')]
		if self.zebra:
			argv += ['-z', os.path.join(self.dir, 'zserv.api')]
		elif daemon == 'bgpd':
			argv += ['-Z']
		if daemon == 'bfdd':
			# Real-time priority, as hybridgwd's BFD thread has: on this
			# shared 2-core host a loaded scheduler otherwise delays the
			# peer's 50 ms packets and the tests would measure the host.
			argv = ['chrt', '-f', '10'] + argv
		return ['ip', 'netns', 'exec', self.nsname] + argv

	def _start_one(self, daemon, detach):
		p = Proc(self._argv(daemon), os.path.join(self.dir, daemon + '.out'),
			 detach=detach, name='%s/%s' % (self.name, daemon))
		self.procs[daemon] = p
		return p

	def start(self, timeout=10.0, detach=False):
		if self.zebra:
			z = self._start_one('zebra', detach)
			util.wait_for(lambda: self._check(z) and
				      os.path.exists(os.path.join(self.dir, 'zserv.api')),
				      timeout, 0.02, '%s zebra zserv.api' % self.name)
		for d in self.daemons:
			p = self._start_one(d, detach)
			util.wait_for(lambda: self._check(p) and
				      os.path.exists(os.path.join(self.dir, d + '.vty')),
				      timeout, 0.02, '%s %s vty socket' % (self.name, d))
		return self

	def _check(self, p):
		if not p.alive():
			raise util.Fatal('%s exited (%s):\n%s\n%s' % (p.name, p.poll(), p.tail(),
				util.file_tail(p.log.replace('.out', '.log'))))
		return True

	def pids(self):
		return {d: p.pid for d, p in self.procs.items()}

	def vtysh(self, cmd, check=True):
		cmds = [cmd] if isinstance(cmd, str) else list(cmd)
		argv = ['vtysh', '--vty_socket', self.dir]
		for c in cmds:
			argv += ['-c', c]
		return util.run(argv, check=check, timeout=20).stdout

	def vtysh_json(self, cmd):
		return json.loads(self.vtysh(cmd) or '{}')

	def bgp_neighbors(self):
		"""{peer address: state string} from `show bgp neighbors json`."""
		return {a: n.get('bgpState') for a, n in
			self.vtysh_json('show bgp neighbors json').items()}

	def wait_established(self, peer=None, timeout=20.0):
		def est():
			n = self.bgp_neighbors()
			if peer:
				return n.get(peer) == 'Established'
			return n and all(s == 'Established' for s in n.values())
		return util.wait_for(est, timeout, 0.1, '%s BGP %s Established' % (self.name, peer or 'all'))

	def bgp_routes(self):
		"""{prefix: [paths]} of the BGP table (show bgp ipv4 unicast json)."""
		return self.vtysh_json('show bgp ipv4 unicast json').get('routes', {})

	def bfd_peers(self):
		return self.vtysh_json('show bfd peers json')

	def stop(self):
		for d in reversed(list(self.procs)):
			self.procs[d].stop(grace=5.0)
		self.procs = {}

	def cleanup(self):
		util.remove_own_dir(self)

	def __enter__(self):
		if not self.procs:
			self.start()
		return self

	def __exit__(self, *exc):
		self.stop()
