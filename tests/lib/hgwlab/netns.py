# SPDX-License-Identifier: ISC
"""hgwlab/netns.py - network namespaces and veth links with unique names."""

import os
import subprocess

from . import util


class Netns:
	"""One network namespace. Created on construction (lo up, IPv4 forwarding
	off unless forwarding=True); destroy() kills what still runs inside and
	deletes it. Usable as a context manager."""

	def __init__(self, name=None, tag='lab', forwarding=False, create=True):
		self.name = name or util.unique_name(tag)
		self._closer = None
		if create:
			self.create(forwarding)

	def create(self, forwarding=False, register=True):
		"""register=False: the caller guarantees the clean-up (Lab.down)."""
		if os.path.exists('/run/netns/' + self.name):
			util.run(['ip', 'netns', 'del', self.name], check=False)
		util.run(['ip', 'netns', 'add', self.name])
		if register:
			self._closer = util.register(self.destroy)
		self.run(['ip', 'link', 'set', 'lo', 'up'])
		if forwarding:
			self.sysctl('net.ipv4.ip_forward', 1)
		return self

	def destroy(self):
		if not os.path.exists('/run/netns/' + self.name):
			return
		kill_netns_pids(self.name)
		util.run(['ip', 'netns', 'del', self.name], check=False)
		if self._closer:
			util.unregister(self._closer)
			self._closer = None

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		self.destroy()

	def argv(self, cmd):
		"""The argv running cmd (list, or str for sh -c) inside this namespace."""
		if isinstance(cmd, str):
			cmd = ['sh', '-c', cmd]
		return ['ip', 'netns', 'exec', self.name] + list(cmd)

	def run(self, cmd, check=True, timeout=60, env=None, input=None):
		return util.run(self.argv(cmd), check=check, timeout=timeout, env=env, input=input)

	def out(self, cmd, **kw):
		return self.run(cmd, **kw).stdout

	def popen(self, cmd, **kw):
		return subprocess.Popen(self.argv(cmd), **kw)

	def sysctl(self, key, value):
		self.run(['sysctl', '-q', '-w', '%s=%s' % (key, value)])

	def addr_add(self, ifname, cidr):
		self.run(['ip', 'addr', 'add', cidr, 'dev', ifname])

	def link_up(self, ifname):
		self.run(['ip', 'link', 'set', ifname, 'up'])

	def link_down(self, ifname):
		self.run(['ip', 'link', 'set', ifname, 'down'])

	def route_add(self, prefix, via=None, dev=None, extra=()):
		cmd = ['ip', 'route', 'add', prefix]
		if via:
			cmd += ['via', via]
		if dev:
			cmd += ['dev', dev]
		self.run(cmd + list(extra))

	def routes(self, proto=None, table=None, family='-4', resolve=True):
		"""Kernel routes as parsed `ip -j route show` dicts. With resolve, a
		route that only names a nexthop object (`nhid`, as with
		net.ipv4.nexthop_compat_mode=0, hybridgwd's default) gets the
		'gateway'/'dev' or 'nexthops' fields the kernel would have printed in
		compat mode, read from `ip -j nexthop`."""
		import json
		cmd = ['ip', '-j', family, 'route', 'show']
		if table is not None:
			cmd += ['table', str(table)]
		if proto is not None:
			cmd += ['proto', str(proto)]
		rts = json.loads(self.out(cmd) or '[]')
		if resolve and any('nhid' in r for r in rts):
			nhs = {n['id']: n for n in json.loads(self.out(['ip', '-j', 'nexthop', 'show']) or '[]')}
			for r in rts:
				resolve_nhid(r, nhs)
		return rts

	def route_get(self, addr):
		"""The next hop the kernel uses for addr: (gateway or None, dev)."""
		import json
		r = json.loads(self.out(['ip', '-j', 'route', 'get', addr]) or '[{}]')[0]
		return r.get('gateway'), r.get('dev')

	def pids(self):
		return netns_pids(self.name)

	def __repr__(self):
		return '<Netns %s>' % self.name


def resolve_nhid(route, nhs):
	"""Fill a route dict that carries only 'nhid' with what the nexthop object
	(or group) says: 'gateway'/'dev' for one member, 'nexthops' for several,
	'type' blackhole for a blackhole object. Unknown ids are left alone."""
	nh = nhs.get(route.get('nhid'))
	if nh is None:
		return route
	members = [nhs.get(m['id'], {}) for m in nh['group']] if 'group' in nh else [nh]
	if any('blackhole' in m for m in members):
		route.setdefault('type', 'blackhole')
		return route
	if len(members) == 1:
		for k in ('gateway', 'dev'):
			if k in members[0]:
				route.setdefault(k, members[0][k])
	else:
		route.setdefault('nexthops', [{k: m[k] for k in ('gateway', 'dev') if k in m}
					      for m in members])
	return route


def netns_pids(name):
	p = util.run(['ip', 'netns', 'pids', name], check=False)
	return [int(x) for x in p.stdout.split()] if p.returncode == 0 else []


def kill_netns_pids(name, grace=3.0):
	"""Stop every process left in namespace `name` (all were started by the
	harness or the runner inside that namespace)."""
	from .proc import kill_pid
	for pid in netns_pids(name):
		if pid != os.getpid():
			kill_pid(pid, grace)


def _nsname(ns):
	return ns.name if isinstance(ns, Netns) else ns


def veth(ns_a, if_a, ns_b, if_b, addr_a=None, addr_b=None, up=True, mtu=None):
	"""Create a veth pair directly inside two namespaces (no temporary name in
	the root namespace, so parallel runs cannot collide) and optionally address
	and bring up both ends. Deleted with either namespace."""
	a, b = _nsname(ns_a), _nsname(ns_b)
	util.run(['ip', 'link', 'add', if_a, 'netns', a, 'type', 'veth',
		  'peer', 'name', if_b, 'netns', b])
	for ns, ifn, addr in ((a, if_a, addr_a), (b, if_b, addr_b)):
		if mtu:
			util.run(['ip', '-n', ns, 'link', 'set', ifn, 'mtu', str(mtu)])
		if addr:
			for cidr in ([addr] if isinstance(addr, str) else addr):
				util.run(['ip', '-n', ns, 'addr', 'add', cidr, 'dev', ifn])
		if up:
			util.run(['ip', '-n', ns, 'link', 'set', ifn, 'up'])
