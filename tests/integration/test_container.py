# SPDX-License-Identifier: ISC
"""tests/integration/test_container.py - the hybridgw:dev image (issue 14): Debian's podman
builds the top-level Dockerfile (multi-stage, base passed as BASE=localhost/debian:12, a
debootstrap root imported once and cached), hybridgwd --check passes on every example
config in the image, and a running container answers `hybridgwctl show version` (its
HEALTHCHECK) with hybridgwd as the entry point. The images of the topologies' other local
nodes are built too: hybridgw/bird, and the strongSwan far ends hybridgw/swan-frr and
hybridgw/swan-bird (issue 11), each run in a namespace lab as the far end of a real
tunnel (Lab(external=...)). Podman runs here only with runc, cgroupfs
and no default ulimits (/work/shared/notes/containers.md): the test writes those settings
to its own containers.conf. Skipped, saying why, only when podman cannot run at all."""

import os
import shutil
import subprocess
import sys
import time

import pytest

SRC = os.environ.get('HGW_SRC') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(SRC, 'tests', 'ship'))
import shiplib	# noqa: E402

IMAGE = 'localhost/hybridgw:dev'
BASE = 'localhost/debian:12'
EXAMPLES = '/usr/share/doc/hybridgw/examples'
CONF = '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n'


def podman(args, check=True, timeout=900, **kw):
	"""stdout (the container's output) and stderr (podman's own, e.g. that it
	cannot arm healthcheck timers without systemd as PID 1) apart; the
	container's stderr comes with stdout (run/exec without -t merge them)."""
	p = subprocess.run(['podman'] + list(args), text=True, stdout=subprocess.PIPE,
			   stderr=subprocess.PIPE, timeout=timeout, env=ENV, **kw)
	if check and p.returncode != 0:
		raise AssertionError('podman %s (rc %d):\n%s\n%s' % (' '.join(args), p.returncode,
								  p.stdout[-3000:], p.stderr[-3000:]))
	return p


ENV = dict(os.environ)


@pytest.fixture(scope='module')
def podman_ready(tmp_path_factory):
	"""podman set up as this machine needs it, the Debian 12 base imported;
	skips only when podman cannot run at all. Returns a scratch directory."""
	if os.geteuid() != 0:
		pytest.skip('needs root (podman with runc, as set up on these machines)')
	if not shutil.which('podman'):
		pytest.skip('podman is not installed (scripts/setup.sh installs it)')
	d = tmp_path_factory.mktemp('hgw-podman')
	conf = d / 'containers.conf'
	conf.write_text(CONF)
	ENV['CONTAINERS_CONF'] = str(conf)
	p = subprocess.run(['podman', 'info'], text=True, stdout=subprocess.PIPE,
			   stderr=subprocess.STDOUT, env=ENV, timeout=120)
	if p.returncode != 0:
		pytest.skip('podman cannot run on this machine: %s' % p.stdout.strip()[-500:])
	with shiplib.locked('podman'):
		if podman(['image', 'exists', BASE], check=False).returncode != 0:
			podman(['import', shiplib.base_tar(), BASE])
	return d


@pytest.fixture(scope='module')
def image(podman_ready):
	d = podman_ready
	t0 = time.monotonic()
	with shiplib.locked('podman'):
		ctx = d / 'context'
		shiplib.export_source(str(ctx))
		podman(['build', '--format', 'docker', '--network', 'host', '--build-arg', 'BASE=' + BASE,
			'-t', IMAGE,
			'-f', str(ctx / 'Dockerfile'), str(ctx)], timeout=1500)
	print('\nimage %s ready in %.0f s' % (IMAGE, time.monotonic() - t0))
	return IMAGE


def test_image_is_slim_and_runs_hybridgwd(image):
	import json
	info = json.loads(podman(['image', 'inspect', image]).stdout)[0]
	assert info['Config']['Entrypoint'] == ['hybridgwd'], info['Config']
	assert info['Healthcheck']['Test'] == ['CMD', 'hybridgwctl', 'show', 'version'], info
	assert info['Config']['Cmd'] == ['-c', '/etc/hybridgw/hybridgw.xml', '--foreground']
	out = podman(['run', '--rm', '--no-healthcheck', '--network', 'none', image, '--version']).stdout
	assert out.startswith('hybridgwd 0.'), out
	# the runtime stage has no compiler, headers or CMake
	p = podman(['run', '--rm', '--no-healthcheck', '--network', 'none', '--entrypoint', '/bin/sh', image, '-c',
		    'command -v cc gcc cmake; ls /usr/include/libyang 2>/dev/null; true'])
	assert p.stdout.strip() == '', p.stdout
	size = int(podman(['image', 'inspect', '--format', '{{.Size}}', image]).stdout)
	print('\nimage size %.0f MB' % (size / 1e6))
	assert size < 250e6, size


def test_check_every_example_config(image):
	ls = podman(['run', '--rm', '--no-healthcheck', '--network', 'none', '--entrypoint', 'ls', image, EXAMPLES]).stdout
	files = sorted(ls.split())
	assert 'gateway.xml' in files and 'gateway.json' in files, files
	assert any(f.startswith('lab-') for f in files), files
	for f in ['%s/%s' % (EXAMPLES, f) for f in files] + ['/etc/hybridgw/hybridgw.xml']:
		p = podman(['run', '--rm', '--no-healthcheck', '--network', 'none', image, '-c', f, '--check'], check=False)
		assert p.returncode == 0 and 'configuration is valid' in p.stdout + p.stderr, (f, p.stdout, p.stderr)
	p = podman(['run', '--rm', '--no-healthcheck', '--network', 'none', '--entrypoint', '/bin/sh', image, '-c',
		    'echo "<gateway xmlns=\'urn:hybridgw:params:xml:ns:yang:hybridgw\'/>" > /tmp/x.xml && '
		    'hybridgwd -c /tmp/x.xml --check'], check=False)
	assert p.returncode != 0 and 'router-id' in p.stdout + p.stderr, (p.stdout, p.stderr)


def test_running_container_answers(image):
	name = 'hgw-test-%d' % os.getpid()
	podman(['run', '-d', '--name', name, '--network', 'none', '--cap-add', 'NET_ADMIN', image])
	try:
		deadline = time.monotonic() + 30
		while True:
			p = podman(['exec', name, 'hybridgwctl', 'show', 'version'], check=False)
			if p.returncode == 0:
				break
			assert time.monotonic() < deadline, p.stdout + podman(['logs', name]).stdout
			time.sleep(0.3)
		assert p.stdout.startswith('hybridgw 0.'), p.stdout
		hc = podman(['healthcheck', 'run', name], check=False)
		assert hc.returncode == 0, hc.stdout
		st = podman(['inspect', '--format', '{{.State.Running}} {{.Config.Entrypoint}}', name]).stdout
		assert st.startswith('true'), st
		js = podman(['exec', name, 'hybridgwctl', 'show', 'config', '--json']).stdout
		assert '"router-id"' in js, js
		logs = podman(['logs', name])
		logs = logs.stdout + logs.stderr
		assert 'running on /etc/hybridgw/hybridgw.xml' in logs, logs
	finally:
		podman(['rm', '-f', '-t', '5', name], check=False)


def test_bird_image_of_the_topologies(image):
	"""hybridgw/bird:2.0.12, the other local image the topology files name."""
	ctx = os.path.join(SRC, 'topologies', 'images', 'bird')
	with shiplib.locked('podman'):
		podman(['build', '--format', 'docker', '--network', 'host', '--build-arg', 'BASE=' + BASE,
			'-t', 'localhost/hybridgw/bird:2.0.12', ctx], timeout=900)
	p = podman(['run', '--rm', '--no-healthcheck', '--network', 'none',
		    'localhost/hybridgw/bird:2.0.12', 'bird', '--version'], check=False)
	assert 'BIRD version 2.0' in p.stdout + p.stderr, (p.stdout, p.stderr)
	import yaml
	with open(os.path.join(SRC, 'topologies', 'coexistence.clab.yml')) as f:
		nodes = yaml.safe_load(f)['topology']['nodes']
	images = {n['image'] for n in nodes.values()}
	assert {'hybridgw:dev', 'hybridgw/bird:2.0.12'} <= images, images
	assert nodes['gw']['cmd'].startswith('-c '), 'cmd must be arguments of the entry point'


# ---------------------------------------------------------------- the strongSwan far ends
# topologies/images/swan-frr and swan-bird: the images the topologies' strongSwan nodes
# (vpngw, vpngw1, vpngw2, branch) name under containerlab. The namespace runner needs
# neither; these tests prove that each image carries what the node needs and that,
# run in the namespace of its node in a lab, each is the far end of a real tunnel.
SWAN = {'frr': 'localhost/hybridgw/swan-frr:5.9.8', 'bird': 'localhost/hybridgw/swan-bird:5.9.8'}
SWAN_FILES = ['/usr/sbin/charon-systemd', '/usr/sbin/swanctl',
	      '/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so',
	      '/usr/lib/ipsec/plugins/libstrongswan-openssl.so',
	      '/usr/lib/ipsec/plugins/libstrongswan-vici.so']
ROUTING_FILES = {'frr': ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', '/usr/lib/frr/watchfrr',
			 '/usr/lib/frr/frrinit.sh', '/usr/bin/vtysh'],
		 'bird': ['/usr/sbin/bird', '/usr/sbin/birdc']}
CAPS = ['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_ADMIN', '--device', '/dev/net/tun']


@pytest.fixture(scope='module')
def swan_images(podman_ready):
	"""Both images built from topologies/images/ (each build's time printed: apt
	inside the build is most of it)."""
	for flavour, tag in SWAN.items():
		ctx = os.path.join(SRC, 'topologies', 'images', 'swan-' + flavour)
		t0 = time.monotonic()
		with shiplib.locked('podman'):
			podman(['build', '--format', 'docker', '--network', 'host', '--build-arg',
				'BASE=' + BASE, '-t', tag, ctx], timeout=900)
		print('\nimage %s ready in %.0f s' % (tag, time.monotonic() - t0))
	return SWAN


def _swan_binds(node):
	"""-v options binding a topology node's files (read-only) where the node names them."""
	vols = []
	for cpath, hpath in sorted(node['bind_map'].items()):
		vols += ['-v', '%s:%s:ro' % (hpath, cpath)]
	return vols


def _logs(name):
	p = podman(['logs', name], check=False)
	return (p.stdout + p.stderr)[-4000:]


def _wait_exit(name):
	"""The container's exit code (podman wait blocks until it has exited)."""
	return int(podman(['wait', name], timeout=120).stdout.strip())


def test_swan_images_carry_charon_and_their_routing_daemon(swan_images):
	import json
	for flavour, tag in swan_images.items():
		cfg = json.loads(podman(['image', 'inspect', tag]).stdout)[0]['Config']
		assert cfg['Entrypoint'] == ['/usr/local/sbin/swan-%s-entrypoint' % flavour], cfg
		files = SWAN_FILES + ROUTING_FILES[flavour]
		out = podman(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', tag, '-c',
			      'for f in %s; do test -f "$f" || echo "missing $f"; done; '
			      "dpkg-query -W -f 'swan ${Version}\\n' strongswan-swanctl; "
			      'grep -E "^ *load = " /etc/strongswan.conf | head -1; '
			      'grep -c "fwmark" /etc/strongswan.conf' % ' '.join(files)]).stdout
		assert 'missing' not in out, (tag, out)
		# the tag names the strongSwan version inside (Debian's 5.9.8-5+deb12uN)
		assert 'swan %s-' % tag.rsplit(':', 1)[1] in out, (tag, out)
		load = [x for x in out.splitlines() if 'load =' in x][0].split()
		assert load.index('kernel-libipsec') < load.index('kernel-netlink'), load
		assert out.splitlines()[-1] == '2', out	# socket-default and kernel-netlink marks
	ver = podman(['run', '--rm', '--network', 'none', '--entrypoint', '/usr/lib/frr/bgpd',
		      SWAN['frr'], '--version']).stdout
	assert 'bgpd version 8.4' in ver, ver
	ver = podman(['run', '--rm', '--network', 'none', '--entrypoint', 'bird', SWAN['bird'],
		      '--version'], check=False)
	assert 'BIRD version 2.0' in ver.stdout + ver.stderr, ver
	info = json.loads(podman(['image', 'inspect', SWAN['bird']]).stdout)[0]['Config']
	assert info['Cmd'] == ['bird', '-f', '-c', '/etc/bird/bird.conf'], info


def test_swan_images_say_what_they_miss(swan_images):
	"""Without the TUN device or a capability the daemons need, the entry point
	exits non-zero at once saying what is missing (rather than a container that
	runs without its tunnel, or an FRR whose zebra never starts)."""
	cases = [(SWAN['frr'], ['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_ADMIN'], 'no /dev/net/tun'),
		 (SWAN['bird'], ['--cap-add', 'NET_ADMIN'], 'no /dev/net/tun'),
		 (SWAN['frr'], ['--cap-add', 'NET_ADMIN', '--device', '/dev/net/tun'], 'no CAP_SYS_ADMIN'),
		 (SWAN['bird'], ['--device', '/dev/net/tun'], 'no CAP_NET_ADMIN')]
	for tag, opts, why in cases:
		p = podman(['run', '--rm', '--network', 'none'] + opts + [tag], check=False, timeout=120)
		assert p.returncode != 0 and why in p.stdout + p.stderr, (tag, opts, p)


def test_swan_bird_lives_and_dies_with_charon(swan_images):
	"""swan-bird with the branch's files: charon (its connection loaded) and BIRD run;
	`podman stop` ends both cleanly (exit 0); charon's death ends the container with
	a non-zero code."""
	import yaml
	with open(os.path.join(SRC, 'topologies', 'coexistence.clab.yml')) as f:
		node = yaml.safe_load(f)['topology']['nodes']['branch']
	assert node['image'] == 'hybridgw/swan-bird:5.9.8', node
	sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))
	from hgwlab.topo import Topology
	vols = _swan_binds(Topology(os.path.join(SRC, 'topologies', 'coexistence.clab.yml')).nodes['branch'])
	name = 'hgw-swanbird-%d' % os.getpid()
	for how in ('stop', 'charon dies'):
		podman(['run', '-d', '--name', name, '--network', 'none'] + CAPS + vols +
		       [SWAN['bird']] + node['cmd'].split())
		try:
			deadline = time.monotonic() + 60 * float(os.environ.get('HGW_TIMEOUT_SCALE', '1') or 1)
			while True:
				conns = podman(['exec', name, 'swanctl', '--list-conns'], check=False)
				birdc = podman(['exec', name, 'birdc', 'show', 'protocols'], check=False)
				if conns.returncode == 0 and 'gw:' in conns.stdout and \
				   birdc.returncode == 0 and 'hybridgw' in birdc.stdout:
					break
				assert time.monotonic() < deadline, (conns, birdc, _logs(name))
				time.sleep(0.3)
			ps = podman(['exec', name, 'ps', '-eo', 'comm']).stdout.split()
			assert 'charon-systemd' in ps and 'bird' in ps, ps
			if how == 'stop':
				podman(['stop', '-t', '60', name], timeout=120)
				assert _wait_exit(name) == 0, _logs(name)
			else:
				podman(['exec', name, 'sh', '-c', 'kill $(pidof charon-systemd)'])
				rc = _wait_exit(name)
				logs = _logs(name)
				assert rc != 0 and 'charon exited' in logs, (rc, logs)
		finally:
			podman(['rm', '-f', '-t', '5', name], check=False)


class FarEnd:
	"""A topology in namespaces whose strongSwan node `node` runs as a container of
	`image` (Lab(external={node})): the lab without the gateway first, then the
	container joined to the node's namespace with the node's own binds (read-only),
	then the gateway, which initiates at once. A context manager: the container is
	removed and the lab taken down always, an aborted run included."""

	def __init__(self, topology, node, image, args=()):
		sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))
		from hgwlab import util
		from hgwlab.topo import Lab
		self.util = util
		self.lab = Lab(os.path.join(SRC, 'topologies', topology),
			       prefix=util.unique_name('swanimg'), external={node})
		self.node, self.image, self.args = node, image, list(args)
		self.name = self.lab.nsname(node)	# the container's name too
		self.sock = self.lab.ctl_sock('gw')
		self._closer = None
		self.t0 = time.monotonic()

	def __enter__(self):
		lb = self.lab
		try:
			lb.up(nodes=[n for n in lb.topo.nodes if n != 'gw'])
			# runs before the lab's own closer at exit: the container first
			self._closer = self.util.register(self._rm)
			assert not lb.failed, lb.failed
			assert lb.status()[self.node]['external'] and self.node not in lb.daemons
			podman(['run', '-d', '--name', self.name, '--network', 'ns:/run/netns/' + self.name] +
			       CAPS + _swan_binds(lb.topo.nodes[self.node]) + [self.image] + self.args)
			lb.start_node('gw')
			assert not lb.failed, lb.failed
		except BaseException:
			self.__exit__()
			raise
		return self

	def _rm(self):
		podman(['rm', '-f', '-t', '5', self.name], check=False)

	def __exit__(self, *exc):
		self._rm()
		if self._closer:
			self.util.unregister(self._closer)
			self._closer = None
		self.lab.down()

	def state(self, what, key):
		from hgwlab.hgw import hybridgwctl
		return hybridgwctl(what, sock=self.sock).get('hybridgw:gateway-state', {}).get(key, {})

	def tunnel(self, conn):
		return {t['connection']: t for t in self.state('show vpn', 'vpn').get('tunnel', [])
			}.get(conn, {})

	def peer(self, addr):
		return {n['address']: n for n in self.state('show bgp', 'bgp').get('neighbor', [])
			}.get(addr, {})

	def route(self, prefix):
		return {r['prefix']: r for r in self.state('show routes', 'rib').get('route', [])
			}.get(prefix, {})

	def wait_up(self, conn, peer, prefix, learnt):
		"""Tunnel `conn` up, BGP with `peer` (inside it) Established, `prefix`
		learnt over it (learnt(route) true); returns the route."""
		wait_for, t = self.util.wait_for, None
		try:
			wait_for(lambda: self.tunnel(conn).get('state') == 'up', 60, 0.2,
				 'tunnel %s up' % conn)
			wait_for(lambda: self.peer(peer).get('state') == 'established', 60, 0.2,
				 'BGP with %s inside the tunnel established' % peer)
			t = wait_for(lambda: learnt(self.route(prefix)) and self.route(prefix), 30, 0.2,
				     '%s learnt over the tunnel' % prefix)
		except self.util.WaitTimeout as e:
			raise AssertionError('%s\n%s\n%s' % (e, self.tunnel(conn), _logs(self.name)))
		assert int(self.peer(peer)['counters']['prefixes-accepted']) >= 1, self.peer(peer)
		print('\n%s: tunnel and BGP up %.1f s after the lab started; %s' %
		      (self.image, time.monotonic() - self.t0, t))
		return t

	def ping(self, node, dst, conn):
		"""A ping from `node` to `dst` crosses tunnel `conn` (ESP both ways)."""
		c0 = self.tunnel(conn)['counters']
		p = self.lab.exec(node, ['ping', '-c', '3', '-i', '0.2', '-W', '2', dst], check=False)
		assert p.returncode == 0, p.stdout + p.stderr
		c1 = self.tunnel(conn)['counters']
		for k in ('packets-in', 'packets-out'):
			assert int(c1[k]) >= int(c0[k]) + 3, (k, c0, c1)
		sas = podman(['exec', self.name, 'swanctl', '--list-sas']).stdout
		assert 'INSTALLED' in sas, sas


def test_swan_frr_is_the_far_end_of_a_real_tunnel(swan_images):
	"""The failover lab in namespaces, its vpngw node's daemons those of the
	swan-frr image. From the gateway: the IPsec tunnel is up in `show vpn`, BGP
	inside it is Established, the cloud's 10.100.0.0/16 is learnt over it (the
	VPN backup of the circuit) and pings cross it; when charon dies, the container
	exits non-zero."""
	with FarEnd('failover.clab.yml', 'vpngw', SWAN['frr']) as fe:
		assert fe.lab.topo.nodes['vpngw']['image'] == 'hybridgw/swan-frr:5.9.8'
		fe.wait_up('cloudvpn', '169.254.21.1', '10.100.0.0/16',
			   lambda r: r.get('backup-class') == 'vpn' and
			   r.get('backup-next-hop') == ['169.254.21.1'])
		fe.ping('gw', '169.254.21.1', 'cloudvpn')
		# charon dies: the container ends, non-zero, instead of a gateway without its tunnel
		podman(['exec', fe.name, 'sh', '-c', 'kill $(pidof charon-systemd)'])
		rc = _wait_exit(fe.name)
		logs = _logs(fe.name)
		assert rc != 0 and 'charon exited' in logs and 'stopping FRR' in logs, (rc, logs)
	assert not fe.lab.sanitizer_reports, fe.lab.sanitizer_reports
	print('end to end in %.1f s' % (time.monotonic() - fe.t0))


def test_swan_bird_is_the_far_end_of_a_real_tunnel(swan_images):
	"""The default lab, its branch node's daemons those of the swan-bird image
	(with the node's `cmd:`): the site tunnel is up, BGP inside it Established, the
	branch's 10.50.0.0/16 learnt over it (the only path) and lanhost reaches
	sitehost through the gateway and the tunnel."""
	import yaml
	with open(os.path.join(SRC, 'topologies', 'coexistence.clab.yml')) as f:
		branch = yaml.safe_load(f)['topology']['nodes']['branch']
	assert branch['image'] == 'hybridgw/swan-bird:5.9.8', branch
	with FarEnd('coexistence.clab.yml', 'branch', SWAN['bird'], branch['cmd'].split()) as fe:
		fe.wait_up('branch1', '169.254.30.1', '10.50.0.0/16',
			   lambda r: r.get('active-class') == 'vpn' and
			   r.get('active-next-hop') == ['169.254.30.1'])
		fe.ping('lanhost', '10.50.1.10', 'branch1')
	assert not fe.lab.sanitizer_reports, fe.lab.sanitizer_reports
	print('end to end in %.1f s' % (time.monotonic() - fe.t0))
