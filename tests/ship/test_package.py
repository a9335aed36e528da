# SPDX-License-Identifier: ISC
"""tests/ship/test_package.py - the Debian package (issue 14): `dpkg-buildpackage -us -uc -b`
builds hybridgw_*.deb from a copy of the tree, lintian finds no error in it, and in a
scratch Debian 12 root (debootstrap, cached) `dpkg -i` installs it with its dependencies:
the files are where they belong, the system user exists, and `hybridgwd --version` and
`--check` (of the default config and the examples, with the installed YANG modules) run
there. The bash completion answers from that root too."""

import os
import shutil
import subprocess

import pytest

from conftest import CACHE
import shiplib

FILES = [
	'usr/sbin/hybridgwd', 'usr/sbin/hybridgw-netconf', 'usr/sbin/hybridgwctl',
	'usr/share/hybridgw/yang/hybridgw.yang', 'usr/share/hybridgw/yang/hybridgw-netconf.yang',
	'usr/share/hybridgw/yang/ietf/ietf-netconf@2013-09-29.yang',
	'lib/systemd/system/hybridgwd.service',
	'etc/iproute2/rt_protos.d/hybridgw.conf', 'etc/hybridgw/hybridgw.xml',
	'usr/share/doc/hybridgw/examples/gateway.xml', 'usr/share/doc/hybridgw/examples/gateway.json',
	'usr/share/man/man8/hybridgwd.8.gz', 'usr/share/man/man8/hybridgwctl.8.gz',
	'usr/share/man/man5/hybridgw.conf.5.gz',
	'usr/share/bash-completion/completions/hybridgwctl',
]


@pytest.fixture(scope='module')
def deb():
	if os.geteuid() != 0:
		pytest.skip('needs root (chroot)')
	for tool in ('dpkg-buildpackage', 'lintian', 'debootstrap'):
		assert shutil.which(tool), '%s missing: scripts/setup.sh installs it' % tool
	path, _ = shiplib.build_deb()
	return path


def test_lintian_no_errors(deb):
	p = subprocess.run(['lintian', '--fail-on', 'error', '--display-level', '>=warning', deb],
			   text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
	print('\nlintian %s:\n%s' % (os.path.basename(deb), p.stdout or '(no tags)'))
	assert p.returncode == 0, p.stdout
	assert not [ln for ln in p.stdout.splitlines() if ln.startswith('E:')], p.stdout


def test_package_metadata(deb):
	f = {k: subprocess.run(['dpkg-deb', '-f', deb, k], text=True, check=True,
			       stdout=subprocess.PIPE).stdout.strip()
	     for k in ('Package', 'Architecture', 'Depends')}
	assert f['Package'] == 'hybridgw' and f['Architecture'] == 'amd64', f
	for dep in ('adduser', 'libyang2', 'libnetconf2', 'libmicrohttpd12', 'libsystemd0', 'libcap2'):
		assert dep in f['Depends'], f
	listing = subprocess.run(['dpkg-deb', '-c', deb], text=True, check=True,
				 stdout=subprocess.PIPE).stdout
	for path in FILES:
		assert './' + path in listing, path
	conff = subprocess.run(['dpkg-deb', '--ctrl-tarfile', deb], check=True,
			       stdout=subprocess.PIPE).stdout
	import io
	import tarfile
	with tarfile.open(fileobj=io.BytesIO(conff)) as t:
		names = t.getnames()
		assert './conffiles' in names and './postinst' in names, names
		cf = t.extractfile('./conffiles').read().decode()
	assert '/etc/hybridgw/hybridgw.xml' in cf and '/etc/iproute2/rt_protos.d/hybridgw.conf' in cf


class Chroot:
	"""A Debian 12 root (from the cached debootstrap), commands run inside it in
	a private mount namespace with /proc and the host's apt cache mounted."""

	def __init__(self, root):
		self.root = root
		os.makedirs(os.path.join(CACHE, 'apt-archives', 'partial'), exist_ok=True)
		shutil.copy('/etc/resolv.conf', os.path.join(root, 'etc', 'resolv.conf'))
		with open(os.path.join(root, 'etc', 'apt', 'sources.list'), 'w') as f:
			f.write('deb %s bookworm main\n' % shiplib.mirror())
		# no service starts in a chroot
		with open(os.path.join(root, 'usr', 'sbin', 'policy-rc.d'), 'w') as f:
			f.write('#!/bin/sh\nexit 101\n')
		os.chmod(os.path.join(root, 'usr', 'sbin', 'policy-rc.d'), 0o755)

	def run(self, cmd, check=True, timeout=600):
		script = ('mount -t proc proc "$R/proc" && '
			  'mount --bind "$A" "$R/var/cache/apt/archives" && '
			  'exec chroot "$R" /bin/sh -c "$C"')
		env = dict(os.environ, R=self.root, A=os.path.join(CACHE, 'apt-archives'), C=cmd,
			   DEBIAN_FRONTEND='noninteractive', LC_ALL='C.UTF-8',
			   PATH='/usr/sbin:/usr/bin:/sbin:/bin')
		p = subprocess.run(['unshare', '-m', '--propagation', 'private', 'sh', '-c', script],
				   env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
				   timeout=timeout)
		if check and p.returncode != 0:
			raise AssertionError('chroot: %s (rc %d):\n%s' % (cmd, p.returncode, p.stdout[-3000:]))
		return p


@pytest.fixture(scope='module')
def installed(deb, tmp_path_factory):
	root = str(tmp_path_factory.mktemp('hgw-ship-root'))
	try:
		shiplib.unpack_root(root)
		c = Chroot(root)
		shutil.copy(deb, os.path.join(root, 'tmp', 'hybridgw.deb'))
		deps = subprocess.run(['dpkg-deb', '-f', deb, 'Depends'], text=True, check=True,
				      stdout=subprocess.PIPE).stdout
		names = ' '.join(d.split()[0] for d in deps.replace(',', '\n').splitlines() if d.strip())
		c.run('apt-get update -qq && apt-get install -y -qq --no-install-recommends %s '
		      'man-db bash-completion >/dev/null' % names, timeout=900)
		p = c.run('dpkg -i /tmp/hybridgw.deb')
		print('\n' + p.stdout)
		yield c
	finally:
		shutil.rmtree(root, ignore_errors=True)


def test_installed_files_and_user(installed):
	c = installed
	for path in FILES:
		assert os.path.exists(os.path.join(c.root, path)), path
	assert os.access(os.path.join(c.root, 'usr/sbin/hybridgwd'), os.X_OK)
	st = c.run('dpkg -s hybridgw').stdout
	assert 'Status: install ok installed' in st, st
	pw = c.run('getent passwd hybridgw').stdout
	assert pw.split(':')[6].strip() in ('/usr/sbin/nologin', '/bin/false'), pw
	# installed disabled: no enable symlink, and the unit names the installed paths
	assert not os.path.exists(os.path.join(c.root, 'etc/systemd/system/multi-user.target.wants/'
					       'hybridgwd.service'))
	with open(os.path.join(c.root, 'lib/systemd/system/hybridgwd.service')) as f:
		assert 'ExecStart=/usr/sbin/hybridgwd ' in f.read()


def test_daemon_runs_in_the_root(installed):
	c = installed
	v = c.run('hybridgwd --version').stdout
	assert v.startswith('hybridgwd 0.'), v
	# the compiled-in YANG directory is the installed one: no -y, no HGW_YANG_DIR
	p = c.run('hybridgwd -c /etc/hybridgw/hybridgw.xml --check')
	assert 'configuration is valid' in p.stdout, p.stdout
	for ex in ('gateway.xml', 'gateway.json'):
		p = c.run('hybridgwd -c /usr/share/doc/hybridgw/examples/%s --check' % ex)
		assert 'configuration is valid' in p.stdout, p.stdout
	p = c.run('printf "<gateway xmlns=\'urn:hybridgw:params:xml:ns:yang:hybridgw\'>'
		  '<as>1</as></gateway>" > /tmp/bad.xml; hybridgwd -c /tmp/bad.xml --check', check=False)
	assert p.returncode != 0 and 'router-id' in p.stdout, p.stdout
	p = c.run('hybridgwctl -s /nonexistent show version', check=False)
	assert p.returncode == 1 and 'cannot reach hybridgwd' in p.stdout, p.stdout
	p = c.run('man -P cat hybridgw.conf 2>/dev/null | head -40')
	assert 'hybridgw configuration' in p.stdout and 'router-id' in p.stdout, p.stdout


def test_bash_completion(installed):
	c = installed
	script = ('. /usr/share/bash-completion/bash_completion; '
		  '. /usr/share/bash-completion/completions/hybridgwctl; '
		  'for line in "hybridgwctl " "hybridgwctl sh" "hybridgwctl show b" '
		  '"hybridgwctl config " "hybridgwctl debug f" "hybridgwctl show bgp neighbor 1 "; do '
		  'COMP_LINE=$line; COMP_POINT=${#line}; read -ra COMP_WORDS <<< "$line"; '
		  '[ "${line% }" != "$line" ] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); '
		  'COMPREPLY=(); _hybridgwctl; echo "$line|${COMPREPLY[*]}"; done')
	out = c.run("bash -c '%s'" % script.replace("'", "'\\''")).stdout
	got = dict(ln.split('|', 1) for ln in out.splitlines() if '|' in ln)
	assert got['hybridgwctl '].split() == ['show', 'config', 'clear', 'drain', 'restore',
					       'what-if', 'debug', 'monitor'], got
	assert got['hybridgwctl sh'] == 'show', got
	assert set(got['hybridgwctl show b'].split()) == {'bgp', 'bfd'}, got
	assert got['hybridgwctl config '].split() == ['validate', 'apply', 'diff', 'save'], got
	assert set(got['hybridgwctl debug f'].split()) == {'failover', 'fib'}, got
	assert got['hybridgwctl show bgp neighbor 1 '].split() == ['received', 'advertised'], got
