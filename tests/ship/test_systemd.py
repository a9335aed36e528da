# SPDX-License-Identifier: ISC
"""tests/ship/test_systemd.py - the service as systemd runs it (issue 14): the unit passes
`systemd-analyze verify` and `systemd-analyze security --offline=true` (exposure printed,
bounded), hybridgwd speaks the sd_notify protocol (READY, RELOADING then READY on SIGHUP,
STOPPING, watchdog pings) to a NOTIFY_SOCKET made here since PID 1 is not systemd, and
--user drops root to the three network capabilities on every thread."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD, SRC

import hgwlab	# noqa: E402
from hgwlab.fixtures import *	# noqa: F401,F403,E402

UNIT = os.path.join(BUILD, 'dist', 'hybridgwd.service')
CAP_KEEP = (1 << 12) | (1 << 13) | (1 << 10)	# NET_ADMIN, NET_RAW, NET_BIND_SERVICE
MAX_EXPOSURE = 3.0


def unit_for_test(workdir):
	"""The built unit with ExecStart pointing at the built daemon (verify wants
	the binaries it names to exist)."""
	with open(UNIT) as f:
		text = f.read()
	m = re.search(r'^ExecStart=(\S+)', text, re.M)
	assert m and m.group(1).endswith('/hybridgwd'), text
	text = text.replace(m.group(1), os.path.join(BUILD, 'daemon', 'hybridgwd'))
	path = os.path.join(workdir, 'hybridgwd.service')
	with open(path, 'w') as f:
		f.write(text)
	return path


def test_unit_verifies(workdir):
	if not shutil.which('systemd-analyze'):
		pytest.fail('systemd-analyze missing: scripts/setup.sh installs the systemd package')
	unit = unit_for_test(workdir)
	p = subprocess.run(['systemd-analyze', 'verify', '--man=no', unit], text=True,
			   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
	assert p.returncode == 0 and not p.stdout.strip(), p.stdout
	with open(UNIT) as f:
		text = f.read()
	for want in ('Type=notify', 'ExecReload=/bin/kill -HUP $MAINPID', 'Restart=on-failure',
		     'User=hybridgw', 'ProtectSystem=strict', 'NoNewPrivileges=yes',
		     'StateDirectory=hybridgw', 'RuntimeDirectory=hybridgw',
		     'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE'):
		assert want in text, want


def test_unit_security_exposure(workdir):
	unit = unit_for_test(workdir)
	p = subprocess.run(['systemd-analyze', 'security', '--offline=true', unit], text=True,
			   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
	m = re.search(r'Overall exposure level for hybridgwd.service: ([0-9.]+) (\w+)', p.stdout)
	assert m, p.stdout[-2000:]
	print('\nsystemd-analyze security --offline=true: exposure %s %s' % (m.group(1), m.group(2)))
	assert float(m.group(1)) <= MAX_EXPOSURE, p.stdout


class Notify:
	"""A NOTIFY_SOCKET like systemd's: datagrams of KEY=VALUE lines."""

	def __init__(self, workdir):
		self.path = os.path.join(workdir, 'notify.sock')
		self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		self.s.bind(self.path)
		os.chmod(self.path, 0o777)
		self.s.settimeout(0.2)
		self.msgs = []

	def wait(self, key, timeout=20.0):
		"""The next message (after those seen) with KEY=, as a dict."""
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			for i, m in enumerate(self.msgs):
				if key in m:
					del self.msgs[:i + 1]
					return m
			try:
				data = self.s.recv(4096).decode()
			except socket.timeout:
				continue
			self.msgs.append(dict(ln.split('=', 1) for ln in data.splitlines() if '=' in ln))
		raise AssertionError('no %s from hybridgwd; got %r' % (key, self.msgs))


def test_sd_notify_protocol(netns, workdir):
	ns = netns('gw')
	conf = os.path.join(workdir, 'gw.xml')
	shutil.copy(os.path.join(SRC, 'tests', 'integration', 'daemon_gw.xml'), conf)
	os.chmod(conf, 0o644)
	n = Notify(workdir)
	env = dict(os.environ, NOTIFY_SOCKET=n.path, WATCHDOG_USEC='400000')
	d = hgwlab.Hybridgwd(ns, conf, workdir=workdir, env=env, extra_args=['-n', 'off'])
	d.start()
	try:
		ready = n.wait('READY')
		assert ready['READY'] == '1' and ready.get('STATUS') == 'running', ready
		t0 = time.monotonic()
		n.wait('WATCHDOG')
		n.wait('WATCHDOG')
		assert time.monotonic() - t0 < 5, 'watchdog pings too slow'
		d.reload()
		rel = n.wait('RELOADING')
		assert rel['RELOADING'] == '1' and int(rel['MONOTONIC_USEC']) > 0, rel
		assert n.wait('READY')['STATUS'] == 'running'
		# a file that does not validate: refused, READY again with a status saying so
		with open(conf, 'a') as f:
			f.write('<not-yang/>')
		d.reload()
		n.wait('RELOADING')
		assert 'refused' in n.wait('READY')['STATUS']
		assert d.ctl('show version', json=False).startswith('hybridgw')
		d.proc.send_signal(signal.SIGTERM)
		assert n.wait('STOPPING')['STOPPING'] == '1'
		assert d.proc.stop() == 0
	finally:
		d.stop()


def _status(pid):
	with open('/proc/%d/status' % pid) as f:
		return dict(ln.split(':', 1) for ln in f.read().splitlines() if ':' in ln)


def test_user_drop_keeps_only_network_caps(netns, workdir):
	import pwd
	user = 'hybridgw'
	try:
		pw = pwd.getpwnam(user)
	except KeyError:
		pytest.fail('no user hybridgw: scripts/setup.sh creates it')
	ns = netns('gw')
	shutil.chown(workdir, user, user)
	conf = os.path.join(workdir, 'gw.xml')
	shutil.copy(os.path.join(SRC, 'tests', 'integration', 'daemon_gw.xml'), conf)
	os.chmod(conf, 0o644)
	d = hgwlab.Hybridgwd(ns, conf, workdir=workdir,
			     extra_args=['--user', user, '-S', os.path.join(workdir, 'state'),
					 '-n', '830'])
	d.start()
	try:
		pid = d.proc.pid	# ip netns exec execs the daemon
		tids = os.listdir('/proc/%d/task' % pid)
		assert len(tids) >= 3, tids	# FIB sender, BFD, NETCONF ... threads
		for tid in tids:
			with open('/proc/%d/task/%s/status' % (pid, tid)) as f:
				st = dict(ln.split(':', 1) for ln in f.read().splitlines() if ':' in ln)
			assert st['Uid'].split() == [str(pw.pw_uid)] * 4, st['Uid']
			assert st['Gid'].split() == [str(pw.pw_gid)] * 4, st['Gid']
			for k in ('CapPrm', 'CapEff', 'CapBnd'):
				assert int(st[k], 16) == CAP_KEEP, (tid, k, st[k])
			assert int(st['CapInh'], 16) == 0 and int(st['CapAmb'], 16) == 0
			assert st['NoNewPrivs'].strip() == '1'
		# still a router: the kernel takes its routes (netlink as hybridgw)
		# and NETCONF listens on 830 (a privileged port)
		ns.run(['ip', 'link', 'set', 'lo', 'up'])
		assert d.ctl('show version', json=False)
		assert ':830' in ns.out(['ss', '-ltnH'])
		assert os.stat(os.path.join(workdir, 'state')).st_uid == pw.pw_uid
		# SIGHUP reads the file as the user
		d.reload()
		time.sleep(0.5)
		assert 'configuration reloaded' in d.tail()
	finally:
		d.stop()
