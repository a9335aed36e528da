# SPDX-License-Identifier: ISC
"""tests/ship/test_setup.py - setup respects the host (issue 14): scripts/setup.sh stops,
disables, masks or kills nothing, and every daemon a lab starts (FRR, BIRD, hybridgwd;
GoBGP, ExaBGP and strongSwan go through the same harness classes) has its config, pid,
socket and state files in the lab's own directory, never the paths a system instance uses,
so both run side by side."""

import json
import os
import re

from conftest import SRC

from hgwlab.fixtures import *	# noqa: F401,F403,E402

FORBIDDEN = re.compile(r'\b(systemctl|service|pkill|killall|kill|invoke-rc\.d|update-rc\.d|'
		       r'deb-systemd-invoke)\b')
SYSTEM_PATHS = ('/run/frr', '/var/run/frr', '/etc/frr/', '/run/bird', '/var/run/bird',
		'/etc/bird/', '/run/hybridgw', '/var/lib/hybridgw', '/etc/hybridgw',
		'/var/run/charon', '/run/charon', '/etc/swanctl', '/etc/strongswan',
		'/var/run/exabgp', '/run/exabgp', '/etc/exabgp')


def test_setup_touches_no_service():
	for rel in ('scripts/setup.sh', 'scripts/lab', 'scripts/test', '.ci/run'):
		with open(os.path.join(SRC, rel)) as f:
			for n, line in enumerate(f, 1):
				code = line.split('#', 1)[0]
				assert not FORBIDDEN.search(code), '%s:%d: %s' % (rel, n, line.strip())
	with open(os.path.join(SRC, 'scripts', 'setup.sh')) as f:
		text = f.read()
	# what it does change is said (README "Install" says the same)
	for change in ('rt_protos.d/hybridgw.conf', 'useradd', 'apt-get install'):
		assert change in text, change


def _cmdline(pid):
	with open('/proc/%d/cmdline' % pid, 'rb') as f:
		return [a.decode() for a in f.read().split(b'\0') if a]


def test_lab_daemons_use_their_own_directories(lab):
	lb = lab(os.path.join(SRC, 'topologies', 'coexistence.clab.yml'))
	with open(os.path.join(lb.state_dir, 'state.json')) as f:
		state = json.load(f)
	seen = set()
	for node, info in state['nodes'].items():
		for pid in info.get('pids') or []:
			argv = _cmdline(pid)
			line = ' '.join(argv)
			for p in SYSTEM_PATHS:
				assert p not in line, '%s: %s' % (node, line)
			exe = os.path.basename(next(a for a in argv if a.startswith('/') or
						    a in ('bird', 'gobgpd')))
			seen.add(info['role'])
			if exe == 'charon-systemd':
				# strongSwan beside a node's routing daemon (the IPsec
				# far ends): its dirs come from its strongswan.conf
				with open('/proc/%d/environ' % pid, 'rb') as f:
					env = dict(e.decode().split('=', 1) for e in f.read().split(b'\0')
						   if b'=' in e)
				assert env.get('STRONGSWAN_CONF', '').startswith(lb.state_dir), (node, env)
				seen.add('strongswan')
			elif info['role'] == 'frr':
				for opt in ('-i', '--vty_socket', '-f'):
					assert lb.state_dir in argv[argv.index(opt) + 1], (node, opt, line)
				if '-z' in argv:
					assert lb.state_dir in argv[argv.index('-z') + 1], line
			elif info['role'] == 'bird':
				for opt in ('-s', '-P', '-c'):
					assert lb.state_dir in argv[argv.index(opt) + 1], (node, opt, line)
			elif info['role'] == 'hybridgw':
				for opt in ('-s', '-S'):
					assert lb.state_dir in argv[argv.index(opt) + 1], (node, opt, line)
			assert exe
	assert seen >= {'frr', 'bird', 'hybridgw', 'strongswan'}, seen
