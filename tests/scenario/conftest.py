# SPDX-License-Identifier: ISC
"""tests/scenario/conftest.py - shared fixture of the route manager's scenario tests:
the scenario lab (topologies/scenario-failover.clab.yml: hybridgwd between real FRR
and BIRD peers, BFD 100 ms x 3 on both circuit links) brought up with a unique
prefix, plus helpers that read the gateway's decisions from the kernel (`ip -j route`,
`ip -j nexthop`, `ip route get`) and from hybridgwctl's JSON.

    def test_x(scen):
        s = scen()                              # lab up, sessions and BFD up, ECMP on the circuit
        s.kernel_nh('10.100.0.0/16')            # ['172.16.1.2', '172.16.1.6'] (resolved via nhid)
        s.route_get('10.100.1.10')              # the next hop the kernel picks
        s.rib()['10.100.0.0/16']                # hybridgwctl show routes --json, by prefix
        s.silence('ce1', 'ce2'); s.unsilence('ce1', 'ce2')
"""

import datetime
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

import hgwlab	# noqa: E402
from hgwlab import labconf, util	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403
from hgwlab.hgw import hybridgwctl	# noqa: E402

LAB = 'scenario-failover'
TOPO = os.path.join(hgwlab.src_dir(), 'topologies', LAB + '.clab.yml')

# next hops of the lab (see the topology file)
CE1, CE2, VPNGW, BRANCH, LANR = '172.16.1.2', '172.16.1.6', '169.254.21.1', '169.254.30.1', '10.1.0.2'
CIRCUIT = [CE1, CE2]
CLOUD = ['10.100.0.0/16', '10.101.0.0/16', '10.102.0.0/16', '10.110.0.0/16']
CLOUDHOST, LANHOST, SITEHOST = '10.100.1.10', '10.1.1.10', '10.50.1.10'


def parse_time(s):
	"""yang:date-and-time -> seconds since the epoch (float)."""
	return datetime.datetime.fromisoformat(s).timestamp()


def gw_config(replacements=None):
	"""The lab's gateway config text with {old: new} replacements."""
	return labconf.gateway_with(LAB, replacements or {})


def frr_config(node, replacements=None):
	text = labconf.lab_config(LAB, node, 'frr.conf')
	for old, new in (replacements or {}).items():
		assert old in text, '%r not in %s frr.conf' % (old, node)
		text = text.replace(old, new)
	return text


class Scenario:
	"""One scenario lab and what the tests read from it."""

	def __init__(self, lb, workdir, node='gw'):
		self.lb = lb
		self.workdir = workdir
		self.gw = lb.ns(node)
		self.sock = lb.ctl_sock(node)
		self._silenced = set()

	# ---------------------------------------------------------------- hybridgwctl
	def ctl(self, args, **kw):
		return hybridgwctl(args, sock=self.sock, **kw)

	def _state(self, args):
		return self.ctl(args).get('hybridgw:gateway-state', {})

	def rib(self, prefix=None):
		"""{prefix: route} of `hybridgwctl show routes [PREFIX] --json`."""
		args = 'show routes' + (' ' + prefix if prefix else '')
		return {r['prefix']: r for r in self._state(args).get('rib', {}).get('route', [])}

	def journal(self):
		"""Failover journal entries (oldest first) of `show failover --json`."""
		return self._state('show failover').get('failover', {}).get('event', [])

	def neighbors(self):
		return {n['address']: n for n in self._state('show bgp').get('bgp', {}).get('neighbor', [])}

	def bfd(self):
		return {s['peer-address']: s for s in self._state('show bfd').get('bfd', {}).get('session', [])}

	def apply(self, xml, name='apply.xml'):
		"""Write a config and `hybridgwctl config apply` it (raises on refusal)."""
		path = os.path.join(self.workdir, name)
		with open(path, 'w') as f:
			f.write(xml)
		return self.ctl(['config', 'apply', path], json=False)

	# ---------------------------------------------------------------- kernel
	def kernel_routes(self):
		"""{prefix: route} of `ip -j route show proto hybridgw` in the gateway."""
		return {r['dst']: r for r in self.gw.routes(proto=196)}

	def nexthop(self, nhid):
		return json.loads(self.gw.out(['ip', '-j', 'nexthop', 'show', 'id', str(nhid)]))[0]

	def resolve_nhid(self, nhid):
		"""Gateways a nexthop object or group forwards to, sorted ([] for a
		blackhole group)."""
		nh = self.nexthop(nhid)
		if 'group' in nh:
			res = []
			for m in nh['group']:
				res += self.resolve_nhid(m['id'])
			return sorted(res)
		if nh.get('blackhole'):
			return []
		return [nh.get('gateway') or nh.get('dev')]

	def kernel_nh(self, prefix):
		"""Where the kernel route for prefix (proto hybridgw) forwards: the
		members of its nexthop group, read with `ip nexthop show id` (the
		route itself only says nhid when nexthop_compat_mode is 0). None when
		there is no such route."""
		for attempt in range(5):
			r = self.kernel_routes().get(prefix)
			if r is None:
				return None
			assert 'nhid' in r, 'route %s does not use a nexthop object: %r' % (prefix, r)
			try:
				return self.resolve_nhid(r['nhid'])
			except RuntimeError:	# the group went away meanwhile (clean-up): read again
				if attempt == 4:
					raise

	def route_get(self, addr, src=None, iif=None):
		"""The next hop `ip route get` picks in the gateway (forwarded packets
		when src+iif are given, e.g. LANHOST via eth5)."""
		cmd = ['ip', '-j', 'route', 'get', addr]
		if src:
			cmd += ['from', src]
		if iif:
			cmd += ['iif', iif]
		r = json.loads(self.gw.out(cmd))[0]
		return r.get('gateway') or r.get('dev')

	def wait_kernel(self, want, timeout=10.0, what=None):
		"""Wait until kernel_nh(prefix) == sorted(nhs) for every {prefix: nhs}
		(nhs None: no route). Returns the time it happened."""
		want = {p: (sorted(v) if v is not None else None) for p, v in want.items()}

		def ok():
			return all(self.kernel_nh(p) == v for p, v in want.items())
		util.wait_for(ok, timeout, 0.02, what or 'kernel %r' % want)
		return time.time()

	# ---------------------------------------------------------------- lab
	def frr(self, node):
		return self.lb.daemon(node)

	def peer_routes(self, node, neighbor):
		"""Prefixes an FRR peer received from `neighbor` (the gateway)."""
		doc = self.frr(node).vtysh_json('show bgp ipv4 unicast neighbors %s routes json' % neighbor)
		return sorted(doc.get('routes', {}))

	def silence(self, *nodes):
		for n in nodes:
			hgwlab.silence(self.lb.ns(n))
			self._silenced.add(n)

	def unsilence(self, *nodes):
		for n in nodes:
			hgwlab.unsilence(self.lb.ns(n))
			self._silenced.discard(n)

	def ping(self, src_node, dst, interval=0.01):
		"""A started ping stream from a node (hgwlab.PingStream)."""
		return hgwlab.PingStream(self.lb.ns(src_node), dst, interval=interval).start()

	def wait_ready(self, timeout=40.0, cloud=CIRCUIT):
		"""Every BGP session established, both BFD sessions up, the cloud
		prefixes on `cloud` next hops in the kernel, and the journal quiet
		for a second (a failback pending after a start-up flap has run)."""
		self.lb.wait_gateway('gw', timeout=timeout)
		util.wait_for(lambda: all(s['state'] == 'up' for s in self.bfd().values()) and
			      len(self.bfd()) == 2, timeout, 0.1, 'BFD sessions up')
		self.wait_kernel({p: cloud for p in CLOUD[:3]}, timeout, 'cloud prefixes on %s' % cloud)
		self.wait_peers(timeout)
		util.wait_for(lambda: not self.failback_pending(), timeout, 0.2,
			      'no failback pending (%s)' % ', '.join(self.failback_pending()))
		self.wait_quiet()

	def sources(self):
		"""{name: source} of `show failover --json`: each path source's state
		(down, failback-pending, up), what it waits for, failback-in ms."""
		st = self._state('show failover').get('failover', {})
		return {x['name']: x for x in st.get('source', [])}

	def failback_pending(self):
		"""The sources whose failback delay runs. A scenario that starts
		during a start-up flap's damping would test that, not itself."""
		return sorted(n for n, x in self.sources().items() if x.get('state') == 'failback-pending')

	def wait_peers(self, timeout=40.0):
		"""The far side is ready too: the cloud router's BGP sessions with BFD
		up towards both edges (return traffic fails over as fast as ours)."""
		cloud = self.lb.daemon('cloud')

		def ready():
			out = cloud.birdc('show bfd sessions')
			ups = [ln for ln in out.splitlines() if ' Up ' in ln]
			protos = cloud.protocols()
			return len(ups) == 2 and all(protos[n][2].startswith('Established')
						     for n in ('ce1', 'ce2', 'vpngw'))
		util.wait_for(ready, timeout, 0.1, 'cloud router: BGP established, BFD up')

	def wait_quiet(self, quiet=1.0, timeout=30.0):
		"""Wait until the failover journal has not grown for `quiet` seconds."""
		state = {'n': len(self.journal()), 't': time.monotonic()}

		def calm():
			n = len(self.journal())
			if n != state['n']:
				state['n'], state['t'] = n, time.monotonic()
			return time.monotonic() - state['t'] >= quiet
		util.wait_for(calm, timeout, 0.1, 'journal quiet for %.1fs' % quiet)

	def log(self):
		with open(os.path.join(self.lb.node_dir('gw'), 'hybridgwd.log'), errors='replace') as f:
			return f.read()


def prioritize_bfd(lb):
	"""Run the peers' BFD (FRR bfdd on the circuit edges, BIRD on the cloud
	router: all its threads) SCHED_FIFO, as routers do and as hybridgwd does
	with its own BFD thread: on a loaded 2-core machine a 300 ms detection
	time otherwise flaps now and then, which is not what these tests test."""
	pids = []
	for node in ('ce1', 'ce2'):
		d = lb.daemons.get(node)
		if d is not None and 'bfdd' in getattr(d, 'procs', {}):
			pids.append(d.procs['bfdd'].pid)
	cloud = lb.daemons.get('cloud')
	if cloud is not None and getattr(cloud, 'proc', None):
		pids.append(cloud.proc.pid)
	for pid in pids:
		try:
			tids = [int(t) for t in os.listdir('/proc/%d/task' % pid)]
		except OSError:
			continue
		for tid in tids:
			try:
				os.sched_setscheduler(tid, os.SCHED_FIFO, os.sched_param(10))
			except OSError:
				pass


@pytest.fixture
def scen(lab, workdir):
	"""scen(configs=None, ready=True) -> Scenario: the scenario lab up with a
	unique prefix ({node: config text} overrides), torn down after the test."""
	made = []

	def make(configs=None, ready=True, ready_cloud=CIRCUIT):
		s = Scenario(lab(TOPO, configs=configs), workdir)
		made.append(s)
		prioritize_bfd(s.lb)
		if ready:
			s.wait_ready(cloud=ready_cloud)
		return s
	yield make
	for s in made:
		for n in list(s._silenced):
			try:
				s.unsilence(n)
			except Exception:	# noqa: BLE001 - the lab goes away anyway
				pass
