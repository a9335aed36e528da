# SPDX-License-Identifier: ISC
"""hgwlab/peers.py - BIRD 2, GoBGP 3 and ExaBGP 4 peers in namespaces, per
/work/shared/notes/real-peers.md. Every instance has its own directory for
control sockets, pid files and logs (unix sockets are not per-namespace)."""

import os
import re
import subprocess

from . import util
from .proc import Daemon, Proc


def _conf_text(conf):
	if '\n' not in conf and os.path.isfile(conf):
		with open(conf) as f:
			return f.read()
	return conf


def _nsargv(ns, argv):
	name = getattr(ns, 'name', ns)
	return ['ip', 'netns', 'exec', name] + list(argv)


class Bird(Daemon):
	"""BIRD 2 in the foreground: bird -f -c CONF -s DIR/bird.ctl -P DIR/bird.pid.
	`$DIR` in the config text is replaced by the instance directory."""

	def __init__(self, ns, conf, workdir=None, name='bird'):
		self.ns, self.name = ns, name
		self.dir = workdir or util.make_workdir('bird-' + name)
		self._own_dir = workdir is None
		self.conf = os.path.join(self.dir, 'bird.conf')
		with open(self.conf, 'w') as f:
			f.write(_conf_text(conf).replace('$DIR', self.dir))
		self.ctl = os.path.join(self.dir, 'bird.ctl')
		self.proc = None

	def start(self, timeout=10.0, detach=False):
		self.proc = Proc(_nsargv(self.ns, ['bird', '-f', '-c', self.conf, '-s', self.ctl,
						   '-P', os.path.join(self.dir, 'bird.pid')]),
				 os.path.join(self.dir, 'bird.out'), detach=detach, name=self.name)

		def up():
			if not self.proc.alive():
				raise util.Fatal('bird %s exited:\n%s' % (self.name, self.proc.tail()))
			return self.birdc('show status', check=False).returncode == 0
		util.wait_for(up, timeout, 0.02, 'bird %s control socket' % self.name)
		return self

	def birdc(self, cmd, check=True):
		p = util.run(['birdc', '-s', self.ctl] + cmd.split(), check=False, timeout=20)
		if check:
			if p.returncode != 0:
				raise RuntimeError('birdc %s: %s %s' % (cmd, p.stdout, p.stderr))
			return p.stdout
		return p

	def protocols(self):
		"""{protocol name: (proto, state, info)} from `show protocols`."""
		res = {}
		for line in self.birdc('show protocols').splitlines():
			f = line.split()
			if len(f) >= 4 and f[0] not in ('BIRD', 'Name'):
				res[f[0]] = (f[1], f[3], ' '.join(f[5:]))
		return res

	def wait_established(self, protocol, timeout=20.0):
		return util.wait_for(lambda: self.protocols().get(protocol, ('', '', ''))[2]
				     .startswith('Established'), timeout, 0.1,
				     'bird %s protocol %s Established' % (self.name, protocol))

	def routes(self, table='master4'):
		"""Prefixes in a table (`show route table T`)."""
		out = self.birdc('show route table %s' % table)
		return sorted(set(m.group(1) for m in
				  re.finditer(r'^(\d+\.\d+\.\d+\.\d+/\d+)', out, re.M)))


class Gobgp(Daemon):
	"""gobgpd -f CONF.toml --api-hosts unix://DIR/gobgp.sock --pprof-disable -p."""

	def __init__(self, ns, conf, workdir=None, name='gobgp'):
		self.ns, self.name = ns, name
		self.dir = workdir or util.make_workdir('gobgp-' + name)
		self._own_dir = workdir is None
		self.conf = os.path.join(self.dir, 'gobgpd.toml')
		with open(self.conf, 'w') as f:
			f.write(_conf_text(conf).replace('$DIR', self.dir))
		self.sock = os.path.join(self.dir, 'gobgp.sock')
		self.proc = None

	def start(self, timeout=10.0, detach=False):
		self.proc = Proc(_nsargv(self.ns, ['gobgpd', '-f', self.conf, '--api-hosts',
						   'unix://' + self.sock, '--pprof-disable', '-p']),
				 os.path.join(self.dir, 'gobgpd.log'), detach=detach, name=self.name)

		def up():
			if not self.proc.alive():
				raise util.Fatal('gobgpd %s exited:\n%s' % (self.name, self.proc.tail()))
			return self.gobgp('global', check=False).returncode == 0
		util.wait_for(up, timeout, 0.05, 'gobgpd %s API socket' % self.name)
		return self

	def gobgp(self, args, check=True):
		if isinstance(args, str):
			args = args.split()
		p = util.run(['gobgp', '--target', 'unix://' + self.sock] + list(args),
			     check=False, timeout=20)
		if check:
			if p.returncode != 0:
				raise RuntimeError('gobgp %s: %s %s' % (args, p.stdout, p.stderr))
			return p.stdout
		return p

	def wait_established(self, peer, timeout=20.0):
		return util.wait_for(lambda: 'bgp state = established' in
				     self.gobgp(['neighbor', peer]).lower(), timeout, 0.1,
				     'gobgp %s neighbor %s established' % (self.name, peer))


class Exabgp(Daemon):
	"""ExaBGP 4.2 (/usr/sbin/exabgp, Debian's python) with its API pipes in
	DIR/run; send() writes an API command such as 'announce route ...'."""

	def __init__(self, ns, conf, workdir=None, name='exabgp'):
		self.ns, self.name = ns, name
		self.dir = workdir or util.make_workdir('exabgp-' + name)
		self._own_dir = workdir is None
		os.makedirs(os.path.join(self.dir, 'run'), exist_ok=True)
		self.conf = os.path.join(self.dir, 'exabgp.conf')
		with open(self.conf, 'w') as f:
			f.write(_conf_text(conf).replace('$DIR', self.dir))
		self.pipe = 'exabgp'
		for suffix in ('in', 'out'):
			os.mkfifo(os.path.join(self.dir, 'run', '%s.%s' % (self.pipe, suffix)), 0o600)
		self.env = dict(os.environ, exabgp_api_pipename=self.pipe,
				exabgp_daemon_user='root',
				exabgp_daemon_pid=os.path.join(self.dir, 'exabgp.pid'),
				exabgp_log_destination=os.path.join(self.dir, 'exabgp.log'))
		self.proc = None

	def start(self, timeout=10.0, detach=False):
		self.proc = Proc(_nsargv(self.ns, ['/usr/sbin/exabgp', '--root', self.dir, self.conf]),
				 os.path.join(self.dir, 'exabgp.out'), env=self.env, detach=detach,
				 name=self.name)
		util.wait_for(lambda: self.proc.alive() and os.path.exists(
			os.path.join(self.dir, 'exabgp.pid')), timeout, 0.05, 'exabgp pid file')
		return self

	def cli(self, cmd, check=True):
		p = subprocess.run(['/usr/sbin/exabgpcli', '--root', self.dir] + cmd.split(),
				   env=self.env, text=True, stdout=subprocess.PIPE,
				   stderr=subprocess.PIPE, timeout=20)
		if check and p.returncode != 0:
			raise RuntimeError('exabgpcli %s: %s %s' % (cmd, p.stdout, p.stderr))
		return p.stdout if check else p

	def send(self, cmd):
		return self.cli(cmd)

	def wait_established(self, timeout=20.0):
		return util.wait_for(lambda: 'established' in self.cli('show neighbor summary').lower(),
				     timeout, 0.2, 'exabgp %s established' % self.name)
