# SPDX-License-Identifier: ISC
"""hgwlab/util.py - unique names, subprocess helpers, wait-for with timeouts, cleanup registry."""

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time

PYTHON = '/usr/bin/python3'
# Slow builds (sanitizers, valgrind) or a loaded CI machine: HGW_TIMEOUT_SCALE=3
# multiplies every wait_for timeout (never a measured figure).
TIMEOUT_SCALE = float(os.environ.get('HGW_TIMEOUT_SCALE', '1') or 1)
_counter = 0


def unique_name(tag, suffix=''):
	"""A name unique to this process: hgw-<tag>-<pid>[-<n>][-<suffix>]."""
	global _counter
	_counter += 1
	name = 'hgw-%s-%d-%d' % (tag, os.getpid(), _counter)
	return name + ('-' + suffix if suffix else '')


def make_workdir(tag, owner=None):
	"""A fresh temp directory named after tag and our pid; mode 0755 so that
	daemons running as another user (frr) can enter it."""
	d = tempfile.mkdtemp(prefix='hgw-%s-%d-' % (tag, os.getpid()))
	os.chmod(d, 0o755)
	if owner:
		shutil.chown(d, owner, owner)
	return d


def run(cmd, check=True, timeout=60, env=None, input=None, capture=True):
	"""Run cmd (list, or str for sh -c); return CompletedProcess with text output.
	check=True raises RuntimeError carrying the command's stderr."""
	shell = isinstance(cmd, str)
	p = subprocess.run(cmd, shell=shell, check=False, timeout=timeout, env=env,
			   input=input, text=True,
			   stdout=subprocess.PIPE if capture else None,
			   stderr=subprocess.PIPE if capture else None)
	if check and p.returncode != 0:
		raise RuntimeError('command failed (rc=%d): %s\nstdout: %s\nstderr: %s' %
				   (p.returncode, cmd, (p.stdout or '').strip(),
				    (p.stderr or '').strip()))
	return p


class WaitTimeout(AssertionError):
	pass


class Fatal(RuntimeError):
	"""Raised by a wait_for predicate when waiting longer is pointless
	(the process being waited for has exited)."""


def wait_for(pred, timeout=10.0, interval=0.05, what=None):
	"""Call pred() until it returns a truthy value; return that value.
	Exceptions raised by pred count as "not yet". After timeout raise
	WaitTimeout naming `what` and the last value or exception seen."""
	timeout *= TIMEOUT_SCALE
	deadline = time.monotonic() + timeout
	last = None
	while True:
		try:
			v = pred()
			if v:
				return v
			last = v
		except Fatal:
			raise
		except Exception as e:	# noqa: BLE001 - "not yet"
			last = e
		if time.monotonic() >= deadline:
			raise WaitTimeout('timed out after %.1fs waiting for %s (last: %r)' %
					  (timeout, what or getattr(pred, '__name__', 'condition'), last))
		time.sleep(interval)


def prefixes(count, base='10.128.0.0', plen=24):
	"""`count` consecutive IPv4 prefixes of length plen from base, as strings
	(route sources for scale scenarios: BIRD static, FRR network, GoBGP)."""
	import ipaddress
	net = ipaddress.ip_network('%s/%d' % (base, plen))
	step = net.num_addresses
	first = int(net.network_address)
	if first + count * step > 2 ** 32:
		raise ValueError('%d /%d prefixes do not fit after %s' % (count, plen, base))
	return ['%s/%d' % (ipaddress.IPv4Address(first + i * step), plen) for i in range(count)]


def remove_own_dir(obj, attr='dir'):
	"""Remove the directory an object created for itself (never one it was
	given), unless HGW_KEEP is set."""
	d = getattr(obj, attr, None)
	if d and getattr(obj, '_own_dir', False) and not os.environ.get('HGW_KEEP'):
		shutil.rmtree(d, ignore_errors=True)


def file_tail(path, lines=40):
	try:
		with open(path, errors='replace') as f:
			return ''.join(f.readlines()[-lines:])
	except OSError:
		return ''


# ---------------------------------------------------------------- cleanup
# Everything the harness creates registers a closer here, so that an aborted
# test run (exception, Ctrl-C, forgotten teardown) still removes processes and
# namespaces when the interpreter exits. Closers run newest first.

_closers = []


def register(closer):
	_closers.append(closer)
	return closer


def unregister(closer):
	try:
		_closers.remove(closer)
	except ValueError:
		pass


def forget_all():
	"""Drop every registered closer: what was started is meant to outlive this
	process (topologies/run up)."""
	del _closers[:]


def cleanup_all():
	while _closers:
		c = _closers.pop()
		try:
			c()
		except Exception:	# noqa: BLE001 - best effort at exit
			pass


atexit.register(cleanup_all)


def _on_sigterm(signum, frame):
	cleanup_all()
	raise SystemExit(128 + signum)


if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
	try:
		signal.signal(signal.SIGTERM, _on_sigterm)
	except ValueError:	# not the main thread
		pass
