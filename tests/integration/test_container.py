# SPDX-License-Identifier: ISC
"""tests/integration/test_container.py - the hybridgw:dev image (issue 14): Debian's podman
builds the top-level Dockerfile (multi-stage, base passed as BASE=localhost/debian:12, a
debootstrap root imported once and cached), hybridgwd --check passes on every example
config in the image, and a running container answers `hybridgwctl show version` (its
HEALTHCHECK) with hybridgwd as the entry point. Podman runs here only with runc, cgroupfs
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
def image(tmp_path_factory):
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
	t0 = time.monotonic()
	with shiplib.locked('podman'):
		if podman(['image', 'exists', BASE], check=False).returncode != 0:
			podman(['import', shiplib.base_tar(), BASE])
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
