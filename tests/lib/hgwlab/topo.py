# SPDX-License-Identifier: ISC
"""hgwlab/topo.py - run a containerlab topology (*.clab.yml) in plain network
namespaces: one namespace per node, one veth per link, the nodes' `exec:`
lines, then each node's daemon chosen by the convention below. Used by
topologies/run (CLI) and by tests (Lab as a context manager).

Node convention (see docs/lab.md):
  image name with   daemon started in the namespace (config from `binds`)
  hybridgw          hybridgwd -c <bind of /etc/hybridgw/*> -s DIR/hybridgwd.sock --foreground
  frr, swan-frr     FRR: daemons marked =yes in the bind of /etc/frr/daemons, config
                    the bind of /etc/frr/frr.conf; zebra only when bfdd is enabled
                    or label hgw.frr.zebra is "yes" (else bgpd -Z, no FIB)
  bird, swan-bird   bird -f -c <bind ending bird.conf>
  gobgp             gobgpd -f <bind ending .toml>
  exabgp            exabgp <bind ending exabgp.conf>
  anything else     a host: no daemon, only its exec lines
The label hgw.role overrides the image match (hybridgw|frr|bird|gobgp|exabgp|host).
A node with a bind of /etc/swanctl/swanctl.conf also runs strongSwan (charon-systemd
with kernel-libipsec, hgwlab/swan.py, the strongswan.conf of hgwlab/ipsec.py unless it
binds /etc/strongswan.conf), started before its routing daemon: the VPN gateway of
the cloud or of a branch, with BGP inside its tunnel. Under containerlab such a node
names hybridgw/swan-frr or hybridgw/swan-bird (topologies/images/), images that start
charon the same way before FRR or BIRD; here the name only selects the role.
Lab(external={node, ...}) leaves those nodes' daemons (strongSwan included) to
someone else, e.g. a container run in the node's namespace: the runner still makes
the namespace, its links and exec lines.
Namespaces are named PREFIX-NODE, PREFIX defaulting to clab-<lab name> like
containerlab's container names; state lives in STATE_ROOT/PREFIX/."""

import json
import os
import shutil
import time

import yaml

from . import util
from .netns import Netns, kill_netns_pids, veth
from .proc import kill_pid, pid_alive

STATE_ROOT = os.environ.get('HGW_LAB_STATE', '/tmp/hgwlab')
ROLES = ('hybridgw', 'frr', 'bird', 'gobgp', 'exabgp', 'host')
# topologies/images/swan-*: strongSwan beside a routing daemon -> that daemon's role
SWAN_IMAGES = {'swan-frr': 'frr', 'swan-bird': 'bird'}


class TopologyError(ValueError):
	pass


class Topology:
	"""A parsed containerlab topology: name, nodes (defaults and kinds merged),
	links as (node_a, if_a, node_b, if_b), dir (binds are relative to it)."""

	def __init__(self, path):
		self.path = os.path.abspath(path)
		self.dir = os.path.dirname(self.path)
		with open(self.path) as f:
			doc = yaml.safe_load(f)
		if not isinstance(doc, dict) or 'topology' not in doc:
			raise TopologyError('%s: no topology section' % path)
		self.name = doc.get('name') or os.path.basename(path).split('.')[0]
		topo = doc['topology']
		defaults = topo.get('defaults') or {}
		kinds = topo.get('kinds') or {}
		self.nodes = {}
		for name, node in (topo.get('nodes') or {}).items():
			node = node or {}
			kind = node.get('kind', defaults.get('kind', 'linux'))
			merged = {}
			for layer in (defaults, kinds.get(kind) or {}, node):
				for k, v in layer.items():
					if k in ('labels', 'env') and k in merged:
						merged[k] = dict(merged[k], **v)
					else:
						merged[k] = v
			merged['kind'] = kind
			merged.setdefault('labels', {})
			merged['role'] = self._role(name, merged)
			merged['bind_map'] = self._binds(name, merged.get('binds') or [])
			self.nodes[name] = merged
		self.links = []
		for link in topo.get('links') or []:
			eps = link.get('endpoints')
			if not eps or len(eps) != 2:
				raise TopologyError('link %r: need two endpoints' % link)
			pair = []
			for ep in eps:
				if isinstance(ep, dict):
					n, i = ep.get('node'), ep.get('interface')
				else:
					n, _, i = str(ep).partition(':')
				if n not in self.nodes or not i:
					raise TopologyError('link endpoint %r: unknown node or no interface' % ep)
				if len(i) > 15:
					raise TopologyError('interface name %r longer than 15 characters' % i)
				pair += [n, i]
			self.links.append(tuple(pair))
		seen = set()
		for a, ia, b, ib in self.links:
			for e in ((a, ia), (b, ib)):
				if e in seen:
					raise TopologyError('interface %s:%s used by two links' % e)
				seen.add(e)

	@staticmethod
	def _role(name, node):
		role = str(node['labels'].get('hgw.role', '')).strip()
		if role:
			if role not in ROLES:
				raise TopologyError('node %s: unknown hgw.role %r' % (name, role))
			return role
		# match the image's own name: quay.io/frrouting/frr:8.4.1 -> frr,
		# hybridgw/bird:2.0.12 -> bird, hybridgw:dev -> hybridgw; the
		# strongSwan images name their routing daemon (hybridgw/swan-frr:5.9.8
		# -> frr, hybridgw/swan-bird:5.9.8 -> bird): strongSwan itself comes
		# from the swanctl.conf bind, whatever the image
		image = str(node.get('image', '')).lower()
		base = image.rsplit('/', 1)[-1].split(':', 1)[0].split('@', 1)[0]
		if base in SWAN_IMAGES:
			return SWAN_IMAGES[base]
		for r in ('hybridgw', 'frr', 'bird', 'gobgp', 'exabgp'):
			if r in base:
				return r
		return 'host'

	def _binds(self, name, binds):
		"""{container path: absolute host path}."""
		res = {}
		for b in binds:
			parts = str(b).split(':')
			if len(parts) < 2:
				raise TopologyError('node %s: bind %r is not HOST:CONTAINER' % (name, b))
			host = parts[0]
			if not os.path.isabs(host):
				host = os.path.join(self.dir, host)
			res[parts[1]] = os.path.normpath(host)
		return res


def _find_bind(node, pred, what, name):
	for cpath, hpath in node['bind_map'].items():
		if pred(cpath):
			if not os.path.exists(hpath):
				raise TopologyError('node %s: %s %s does not exist' % (name, what, hpath))
			return hpath
	raise TopologyError('node %s: no bind for its %s' % (name, what))


def _frr_daemons(path):
	ds = []
	with open(path) as f:
		for line in f:
			k, _, v = line.strip().partition('=')
			if v.strip().strip('"') == 'yes' and k in ('bgpd', 'bfdd', 'staticd', 'ospfd'):
				ds.append(k)
	return ds


def _truthy(v):
	return str(v).lower() in ('1', 'yes', 'true', 'on')


class Lab:
	"""A topology brought up in namespaces. `with Lab(path, prefix=...) as lab:`
	brings it up and always tears it down. detach=True (the CLI) starts
	daemons in their own sessions so that they outlive the runner."""

	def __init__(self, path, prefix=None, state_root=None, detach=False, log=None,
		     configs=None, external=None):
		"""configs: {node: path or text} replacing a node's main config bind
		(hybridgw XML/JSON, frr.conf, bird.conf, gobgpd.toml, exabgp.conf), so
		that a test reuses a topology with its own gateway or peer config.
		external: nodes whose daemons (strongSwan included) the runner does
		not start, because something else runs them in the node's namespace
		(tests/integration/test_container.py runs the hybridgw/swan-* images
		there); up() still makes their namespace, links and exec lines, and
		down() deletes the namespace (the caller stops what it started)."""
		self.topo = Topology(path)
		self.configs = dict(configs or {})
		for n in self.configs:
			if n not in self.topo.nodes:
				raise TopologyError('configs: no node %r in %s' % (n, self.topo.name))
		self.external = set(external or ())
		for n in self.external:
			if n not in self.topo.nodes:
				raise TopologyError('external: no node %r in %s' % (n, self.topo.name))
		self.prefix = prefix or 'clab-' + self.topo.name
		self.state_dir = os.path.join(state_root or STATE_ROOT, self.prefix)
		self.detach = detach
		self.log = log or (lambda msg: None)
		self.daemons = {}	# node -> harness object (Frr, Bird, Hybridgwd, ...)
		self.swans = {}		# node -> its strongSwan (hgwlab.swan.Swan)
		self.failed = {}	# node -> error text
		self.sanitizer_reports = []	# hybridgwd ASan/UBSan reports seen at down()
		self._closer = None

	# ------------------------------------------------------------ naming
	def nsname(self, node):
		if node not in self.topo.nodes:
			raise KeyError('no node %r in %s' % (node, self.topo.name))
		return '%s-%s' % (self.prefix, node)

	def ns(self, node):
		return Netns(self.nsname(node), create=False)

	def node_dir(self, node):
		return os.path.join(self.state_dir, node)

	def exec(self, node, cmd, check=True, timeout=60):
		return self.ns(node).run(cmd, check=check, timeout=timeout)

	def daemon(self, node):
		return self.daemons[node]

	def ctl_sock(self, node):
		return os.path.join(self.node_dir(node), 'hybridgwd.sock')

	# ------------------------------------------------------------ up / down
	def up(self, nodes=None):
		"""Create everything; start the daemons of `nodes` (default all but
		the external ones). A daemon that fails to start is recorded in
		self.failed (the rest of the lab stays up for inspection); topology
		errors raise."""
		t0 = time.monotonic()
		if os.path.exists(os.path.join(self.state_dir, 'state.json')):
			self.log('%s: stale state found, tearing it down first' % self.prefix)
			self.down()
		self._clear_stale_namespaces()
		os.makedirs(self.state_dir, exist_ok=True)
		self._closer = util.register(self.down)
		self._save()
		for n in self.topo.nodes:
			Netns(self.nsname(n), create=False).create(register=False)
			os.makedirs(self.node_dir(n), exist_ok=True)
		for a, ia, b, ib in self.topo.links:
			veth(self.nsname(a), ia, self.nsname(b), ib)
		for n, node in self.topo.nodes.items():
			for line in node.get('exec') or []:
				p = self.exec(n, line, check=False)
				if p.returncode != 0:
					raise TopologyError('node %s: exec %r failed: %s' %
							    (n, line, (p.stderr or p.stdout).strip()))
		self._save()
		order = sorted(self.topo.nodes, key=lambda n: self.topo.nodes[n]['role'] == 'hybridgw')
		for n in order:
			if (nodes is not None and n not in nodes) or n in self.external:
				continue
			try:
				self._start(n)
			except Exception as e:	# noqa: BLE001 - report, keep the lab
				self.failed[n] = str(e)
				self.log('%s: %s failed to start: %s' % (n, self.topo.nodes[n]['role'], e))
			self._save()
		self.log('%s: up in %.1fs' % (self.prefix, time.monotonic() - t0))
		return self

	def _config(self, n, pred, what, ext):
		"""Host path of node n's main config: the override, else its bind."""
		over = self.configs.get(n)
		if over is None:
			return _find_bind(self.topo.nodes[n], pred, what, n)
		if '\n' in over or not os.path.isfile(over):
			p = os.path.join(self.node_dir(n), 'override' + ext)
			with open(p, 'w') as f:
				f.write(over)
			return p
		return over

	def _start_swan(self, n):
		"""strongSwan of node n, when it binds a swanctl.conf: the tunnel
		comes up before the BGP session that runs inside it."""
		node = self.topo.nodes[n]
		if '/etc/swanctl/swanctl.conf' not in node['bind_map'] or n in self.swans:
			return
		from . import ipsec
		from .swan import Swan
		conf = _find_bind(node, lambda c: c == '/etc/swanctl/swanctl.conf', 'swanctl.conf', n)
		ssc = node['bind_map'].get('/etc/strongswan.conf')
		if ssc:
			with open(ssc) as f:
				ssc = f.read()
		d = os.path.join(self.node_dir(n), 'swan')
		os.makedirs(d, exist_ok=True)
		obj = Swan(self.nsname(n), conf, workdir=d, name=n + '-swan',
			   strongswan_conf=ssc or ipsec.swan_conf())
		self.swans[n] = obj
		obj.start(detach=self.detach)

	def _start(self, n):
		node = self.topo.nodes[n]
		role = node['role']
		d = self.node_dir(n)
		nsn = self.nsname(n)
		self._start_swan(n)
		if role == 'host':
			return
		if role == 'hybridgw':
			from .hgw import Hybridgwd, hybridgwd_path
			conf = self._config(n, lambda c: c.startswith('/etc/hybridgw/'),
					    'hybridgwd config', '.xml' if not str(self.configs.get(n, '<'))
					    .lstrip().startswith('{') else '.json')
			if not os.access(hybridgwd_path(), os.X_OK):
				raise RuntimeError('%s not built' % hybridgwd_path())
			obj = Hybridgwd(nsn, conf, workdir=d, sock=self.ctl_sock(n))
			self.daemons[n] = obj
			obj.start(detach=self.detach)
		elif role == 'frr':
			from .frr import Frr
			conf = self._config(n, lambda c: c == '/etc/frr/frr.conf', 'frr.conf', '.conf')
			try:
				dfile = _find_bind(node, lambda c: c == '/etc/frr/daemons', 'daemons', n)
				daemons = _frr_daemons(dfile)
			except TopologyError:
				daemons = ['bgpd']
			zebra = 'bfdd' in daemons or _truthy(node['labels'].get('hgw.frr.zebra', 'no'))
			shutil.chown(d, 'frr', 'frr')
			obj = Frr(nsn, conf, daemons=daemons, zebra=zebra, workdir=d, name=n)
			self.daemons[n] = obj
			obj.start(detach=self.detach)
		elif role == 'bird':
			from .peers import Bird
			conf = self._config(n, lambda c: c.endswith('bird.conf'), 'bird.conf', '.conf')
			obj = Bird(nsn, conf, workdir=d, name=n)
			self.daemons[n] = obj
			obj.start(detach=self.detach)
		elif role == 'gobgp':
			from .peers import Gobgp
			conf = self._config(n, lambda c: c.endswith('.toml'), 'gobgpd.toml', '.toml')
			obj = Gobgp(nsn, conf, workdir=d, name=n)
			self.daemons[n] = obj
			obj.start(detach=self.detach)
		elif role == 'exabgp':
			from .peers import Exabgp
			conf = self._config(n, lambda c: c.endswith('exabgp.conf'), 'exabgp.conf', '.conf')
			obj = Exabgp(nsn, conf, workdir=d, name=n)
			self.daemons[n] = obj
			obj.start(detach=self.detach)

	def stop_node(self, n, sig=None):
		"""Stop node n's daemon (SIGTERM; or `sig`, e.g. signal.SIGKILL for a
		crash). Returns its exit code when it has one process."""
		obj = self.daemons.get(n)
		if obj is None:
			return None
		if sig is not None and getattr(obj, 'proc', None):
			obj.proc.send_signal(sig)
			rc = obj.proc.stop()
		else:
			rc = obj.stop()
		self._save()
		return rc

	def start_node(self, n):
		"""(Re)start node n's daemon with the same config, logs appended."""
		if n in self.external:
			raise TopologyError('node %s: its daemons are external' % n)
		self.failed.pop(n, None)
		self._start(n)
		self._save()
		return self.daemons.get(n)

	def _pids(self, n):
		pids = []
		sw = self.swans.get(n)
		if sw is not None and getattr(sw, 'proc', None):
			pids.append(sw.proc.pid)
		obj = self.daemons.get(n)
		if obj is None:
			return pids
		if hasattr(obj, 'procs'):
			return pids + [p.pid for p in obj.procs.values()]
		return pids + ([obj.proc.pid] if getattr(obj, 'proc', None) else [])

	def _save(self):
		state = {'file': self.topo.path, 'name': self.topo.name, 'prefix': self.prefix,
			 'nodes': {n: {'ns': self.nsname(n), 'role': node['role'],
				       'dir': self.node_dir(n), 'pids': self._pids(n),
				       'failed': self.failed.get(n), 'external': n in self.external}
				   for n, node in self.topo.nodes.items()}}
		tmp = os.path.join(self.state_dir, 'state.json.tmp')
		with open(tmp, 'w') as f:
			json.dump(state, f, indent=1)
		os.replace(tmp, os.path.join(self.state_dir, 'state.json'))

	def _clear_stale_namespaces(self):
		for n in self.topo.nodes:
			name = self.nsname(n)
			if os.path.exists('/run/netns/' + name):
				kill_netns_pids(name)
				util.run(['ip', 'netns', 'del', name], check=False)

	def down(self, keep_logs=False):
		"""Stop every daemon, delete every namespace and the state directory."""
		for n in reversed(list(self.daemons)):
			obj = self.daemons[n]
			try:
				obj.stop()
			except Exception:	# noqa: BLE001 - keep tearing down
				pass
			san = getattr(obj, 'sanitizer_errors', None)
			if san and san():
				self.sanitizer_reports.append('%s: %s\n%s' % (n, obj.log, san()))
		self.daemons = {}
		for n in reversed(list(self.swans)):
			try:
				self.swans[n].stop()
			except Exception:	# noqa: BLE001 - keep tearing down
				pass
		self.swans = {}
		sf = os.path.join(self.state_dir, 'state.json')
		if os.path.exists(sf):
			try:
				with open(sf) as f:
					state = json.load(f)
				for info in state.get('nodes', {}).values():
					for pid in info.get('pids') or []:
						if pid_alive(pid):
							kill_pid(pid)
			except (OSError, ValueError):
				pass
		self._clear_stale_namespaces()
		if not keep_logs:
			shutil.rmtree(self.state_dir, ignore_errors=True)
		elif os.path.exists(sf):
			os.remove(sf)
		if self._closer:
			util.unregister(self._closer)
			self._closer = None

	def __enter__(self):
		return self.up()

	def __exit__(self, *exc):
		self.down()

	# ------------------------------------------------------------ queries
	def status(self):
		"""{node: {'role', 'ns', 'running': bool, 'failed', 'external'}} from
		the state file ('running' is False for an external node: the runner
		does not know its processes)."""
		with open(os.path.join(self.state_dir, 'state.json')) as f:
			state = json.load(f)
		res = {}
		for n, info in state['nodes'].items():
			pids = info.get('pids') or []
			res[n] = {'role': info['role'], 'ns': info['ns'], 'failed': info.get('failed'),
				  'running': bool(pids) and all(pid_alive(p) for p in pids),
				  'external': bool(info.get('external'))}
		return res

	def gateway_neighbors(self, node='gw'):
		"""[neighbor dicts] of `hybridgwctl show bgp --json` on a hybridgw node."""
		from .hgw import hybridgwctl
		doc = hybridgwctl('show bgp', sock=self.ctl_sock(node))
		return doc.get('hybridgw:gateway-state', {}).get('bgp', {}).get('neighbor', [])

	def wait_gateway(self, node='gw', count=None, timeout=30.0):
		"""Wait until every BGP session of the gateway (and at least `count`,
		default all configured) is established; returns the neighbor list."""
		def ready():
			nb = self.gateway_neighbors(node)
			up = [x for x in nb if x.get('state') == 'established']
			return nb and len(up) == len(nb) and (count is None or len(up) >= count) and nb
		return util.wait_for(ready, timeout, 0.1, '%s: all BGP sessions established' % node)

	def gateway_routes(self, node='gw'):
		"""{prefix: route dict} of the kernel routes with protocol hybridgw (196)."""
		return {r['dst']: r for r in self.ns(node).routes(proto=196)}

	def wait_bgp(self, nodes=None, timeout=30.0):
		"""Wait until the BGP sessions of the peer daemons of `nodes` are all
		Established (only daemons started in this process)."""
		for n in nodes or list(self.daemons):
			obj = self.daemons[n]
			role = self.topo.nodes[n]['role']
			if role == 'frr':
				obj.wait_established(timeout=timeout)
			elif role == 'bird':
				for p, (proto, _, _) in obj.protocols().items():
					if proto == 'BGP':
						obj.wait_established(p, timeout)


def running_labs(state_root=None):
	"""[(prefix, state dict)] of labs whose state file exists."""
	root = state_root or STATE_ROOT
	res = []
	if not os.path.isdir(root):
		return res
	for prefix in sorted(os.listdir(root)):
		sf = os.path.join(root, prefix, 'state.json')
		if os.path.exists(sf):
			with open(sf) as f:
				res.append((prefix, json.load(f)))
	return res
