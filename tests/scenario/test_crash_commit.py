# SPDX-License-Identifier: ISC
"""tests/scenario/test_crash_commit.py - crash safety of commits: hybridgwd is killed
with SIGKILL at a random point while a commit is applied and saved through the
control socket (`hybridgwctl config apply`, then `config save`: the startup datastore
is the file given with -c). After every kill:
- the startup file is whole: it parses, and it is exactly one of the configurations
  committed so far (the one before the commit or the new one, never a mix or a cut);
- the daemon restarts from it, adopts the kernel routes it left and reconciles;
- the forward path of the prefixes the commits do not touch (the cloud prefixes)
  never leaves the kernel while the daemon is down or starting, and a ping from the
  LAN to the cloud keeps flowing (longest outage bounded by the return path, which
  the circuit edges hold with graceful restart: see test_restart.py).

HGW_CRASH_COMMITS sets the number of kill cycles (default 8 in CI; the full run is
200: HGW_CRASH_COMMITS=200, about 25 minutes)."""

import os
import random
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

from hgwlab import util
from hgwlab.hgw import hybridgwctl_path

from conftest import CIRCUIT, CLOUD, CLOUDHOST, gw_config

NS = '{urn:hybridgw:params:xml:ns:yang:hybridgw}'
COUNT = int(os.environ.get('HGW_CRASH_COMMITS', '8'))


def _variant(i):
	"""Config i: failback-delay and extra local prefixes differ; neither moves the
	kernel routes of the cloud prefixes (local prefixes are only advertised)."""
	extra = ''.join('<local-prefix>10.1.%d.0/24</local-prefix>' % (100 + k)
			for k in range(i % 4))
	return gw_config({'<failback-delay>5</failback-delay>':
			  '<failback-delay>%d</failback-delay>' % (5 + i % 3),
			  '<local-prefix>10.1.0.0/16</local-prefix>':
			  '<local-prefix>10.1.0.0/16</local-prefix>' + extra})


def _fingerprint(text):
	"""What identifies a variant in any serialisation (ours or libyang's)."""
	root = ET.fromstring(text)
	fd = root.find('.//%spolicy/%sfailback-delay' % (NS, NS))
	lps = sorted(e.text.strip() for e in root.iter(NS + 'local-prefix'))
	return (fd.text.strip() if fd is not None else None, tuple(lps))


def _kernel_ok(s):
	snap = {p: s.kernel_nh(p) for p in CLOUD}
	return all(snap[p] for p in CLOUD), snap


def test_kill9_during_commits(scen, workdir):
	base = _variant(0)
	s = scen(configs={'gw': base})
	startup = s.lb.daemon('gw').config
	assert startup.startswith(s.lb.node_dir('gw')), startup	# never the repository's file
	known = {_fingerprint(base)}
	before = {p: s.kernel_nh(p) for p in CLOUD}
	assert all(before[p] == CIRCUIT for p in CLOUD), before
	ping = s.ping('lanhost', CLOUDHOST)
	rnd = random.Random(int(os.environ.get('HGW_CHAOS_SEED', '13')))
	stats = {'kills': 0, 'before_apply': 0, 'new_saved': 0, 'old_kept': 0}
	for i in range(1, COUNT + 1):
		path = os.path.join(workdir, 'v%d.xml' % i)
		text = _variant(i)
		with open(path, 'w') as f:
			f.write(text)
		known.add(_fingerprint(text))
		old = open(startup).read()
		ctl = [hybridgwctl_path(), '-s', s.sock]
		proc = subprocess.Popen(['ip', 'netns', 'exec', s.gw.name, 'sh', '-c',
					 '"$0" -s "$1" config apply "$2" && "$0" -s "$1" config save',
					 ctl[0], s.sock, path],
					stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		# somewhere in: apply (validate, prepare, apply) or save (print, write, rename)
		time.sleep(rnd.uniform(0.0, 0.12))
		s.lb.stop_node('gw', signal.SIGKILL)
		stats['kills'] += 1
		proc.wait(timeout=20)
		# the startup datastore: whole, and one of the configurations committed
		cur = open(startup).read()
		try:
			fp = _fingerprint(cur)
		except ET.ParseError as e:
			raise AssertionError('kill %d left an unreadable startup file: %s\n%s'
					     % (i, e, cur[-500:]))
		assert fp in known, 'kill %d: startup is none of the committed configs: %r' % (i, fp)
		if fp == _fingerprint(text):
			stats['new_saved'] += 1
		elif cur == old:
			stats['old_kept'] += 1
		leftovers = [f for f in os.listdir(os.path.dirname(startup)) if '.tmp' in f]
		# the daemon is down: the kernel keeps forwarding as before
		ok, snap = _kernel_ok(s)
		assert ok and snap == before, 'kill %d: kernel changed while down: %r' % (i, snap)
		s.lb.start_node('gw')
		t0 = time.monotonic()
		while time.monotonic() - t0 < 2.0:	# adopted, never removed while starting
			ok, snap = _kernel_ok(s)
			assert ok, 'kill %d: a cloud route left the kernel during the start: %r' % (i, snap)
			time.sleep(0.05)
		s.wait_ready(timeout=60)
		assert 'adopted' in s.log()
		util.wait_for(lambda: s.log().count('reconciled') >= i, 30, 0.2,
			      'kill %d: adopted routes reconciled' % i)
		ok, snap = _kernel_ok(s)
		assert snap == before, 'kill %d: after the restart %r, before %r' % (i, snap, before)
		# the temporary file of an interrupted save is reused, never piles up
		assert len(leftovers) <= 1, leftovers
	r = ping.stop()
	print('\ncrash-commit: %d kills, startup had the new config %d times, the old one '
	      '%d times; ping %s lost %d/%d, longest outage %.3f s'
	      % (stats['kills'], stats['new_saved'], stats['old_kept'], CLOUDHOST, r['lost'],
		 r['sent'], r['outage_s']))
	assert r['recovered'], r
	# the forward path never changed (checked above); the return path is the
	# circuit edges' graceful restart, bounded as in test_restart.py
	assert r['outage_s'] < 1.0, r
	log = s.log()
	assert 'AddressSanitizer' not in log and 'runtime error' not in log, log[-3000:]
