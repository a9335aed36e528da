# SPDX-License-Identifier: ISC
"""tests/ship/shiplib.py - slow artefacts of the shipping tests, built once and cached
under $HGW_TEST_CACHE (default /var/cache/hybridgw-test) so that reruns are fast: the
Debian package of the current source tree, a debootstrap root of Debian 12 (minbase)."""

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import tarfile
import time
from contextlib import contextmanager

from conftest import CACHE, SRC

SUITE = 'bookworm'


def mirror():
	"""The host's Debian mirror (the only registry reachable), from apt's sources."""
	for path in glob.glob('/etc/apt/sources.list.d/*.sources'):
		with open(path) as f:
			for line in f:
				if line.startswith('URIs:'):
					return line.split()[1]
	with open('/etc/apt/sources.list') as f:
		for line in f:
			if line.startswith('deb ') and 'security' not in line:
				return line.split()[1]
	raise RuntimeError('no Debian mirror in the apt sources')


@contextmanager
def locked(name):
	"""An exclusive lock CACHE/name.lock (parallel test runs build once)."""
	os.makedirs(CACHE, exist_ok=True)
	with open(os.path.join(CACHE, name + '.lock'), 'w') as f:
		fcntl.flock(f, fcntl.LOCK_EX)
		yield


def run(argv, timeout=900, **kw):
	p = subprocess.run(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			   timeout=timeout, **kw)
	if p.returncode != 0:
		raise RuntimeError('%s failed (%d):\n%s' % (' '.join(argv), p.returncode, p.stdout[-4000:]))
	return p.stdout


def source_files():
	"""The source tree as git sees it: tracked files and new ones not ignored."""
	out = run(['git', '-C', SRC, 'ls-files', '-co', '--exclude-standard', '-z'])
	return sorted(f for f in out.split('\0') if f and os.path.isfile(os.path.join(SRC, f)))


def source_hash(files=None):
	h = hashlib.sha256()
	for f in files or source_files():
		h.update(f.encode() + b'\0')
		st = os.lstat(os.path.join(SRC, f))
		h.update(oct(st.st_mode & 0o111).encode())
		with open(os.path.join(SRC, f), 'rb') as fh:
			h.update(hashlib.sha256(fh.read()).digest())
	return h.hexdigest()[:16]


def export_source(dst):
	"""Copy the source tree (git's view) to dst."""
	for f in source_files():
		d = os.path.join(dst, os.path.dirname(f))
		os.makedirs(d, exist_ok=True)
		shutil.copy2(os.path.join(SRC, f), os.path.join(dst, f))


def prune(pattern, keep):
	"""Keep the `keep` newest entries matching CACHE/pattern."""
	old = sorted(glob.glob(os.path.join(CACHE, pattern)), key=os.path.getmtime)[:-keep]
	for p in old:
		shutil.rmtree(p, ignore_errors=True)


def build_deb(log=print):
	"""(path of hybridgw_*.deb, build dir) for the current source tree:
	dpkg-buildpackage -us -uc -b in a copy (never in the work tree: it writes
	its results to the parent directory). Cached by the tree's content."""
	key = source_hash()
	out = os.path.join(CACHE, 'deb-' + key)
	with locked('deb'):
		debs = glob.glob(os.path.join(out, 'hybridgw_*.deb'))
		if debs:
			return debs[0], out
		t0 = time.monotonic()
		tmp = out + '.tmp'
		shutil.rmtree(tmp, ignore_errors=True)
		src = os.path.join(tmp, 'hybridgw')
		export_source(src)
		jobs = os.environ.get('HGW_JOBS', '2')
		env = dict(os.environ, DEB_BUILD_OPTIONS='parallel=%s nocheck' % jobs)
		run(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=src, env=env, timeout=1800)
		shutil.rmtree(src)
		os.replace(tmp, out)
		prune('deb-*', 2)
		log('built the package in %.0f s' % (time.monotonic() - t0))
		return glob.glob(os.path.join(out, 'hybridgw_*.deb'))[0], out


def base_tar(log=print):
	"""CACHE/debian12-minbase.tar: `debootstrap --variant=minbase bookworm`
	from the host's mirror (about 30 s once)."""
	tar = os.path.join(CACHE, 'debian12-minbase.tar')
	with locked('base'):
		if os.path.exists(tar):
			return tar
		t0 = time.monotonic()
		root = os.path.join(CACHE, 'debian12-minbase.tmp')
		shutil.rmtree(root, ignore_errors=True)
		run(['debootstrap', '--variant=minbase', SUITE, root, mirror()], timeout=1200)
		run(['tar', '-C', root, '-cf', tar + '.tmp', '.'])
		shutil.rmtree(root, ignore_errors=True)
		os.replace(tar + '.tmp', tar)
		log('debootstrap in %.0f s' % (time.monotonic() - t0))
		return tar


def unpack_root(dst):
	"""A fresh Debian 12 root at dst from the cached base."""
	os.makedirs(dst, exist_ok=True)
	with tarfile.open(base_tar()) as t:
		t.extractall(dst, numeric_owner=True)
	return dst
