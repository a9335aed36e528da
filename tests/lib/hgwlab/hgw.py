# SPDX-License-Identifier: ISC
"""hgwlab/hgw.py - run hybridgwd in a namespace and talk to it with hybridgwctl."""

import json as _json
import os
import signal
import subprocess

from . import util
from .proc import Proc


def build_dir():
	"""$HGW_BUILD, else <source>/build."""
	b = os.environ.get('HGW_BUILD')
	if b:
		return b
	return os.path.join(src_dir(), 'build')


def src_dir():
	s = os.environ.get('HGW_SRC')
	if s:
		return s
	return os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def hybridgwd_path():
	return os.path.join(build_dir(), 'daemon', 'hybridgwd')


def hybridgwctl_path():
	return os.path.join(build_dir(), 'daemon', 'hybridgwctl')


def drop_user():
	"""$HGW_DROP_USER: the user hybridgwd drops root to (--user) in every
	test that starts it through Hybridgwd or a Lab; '' = stays root.
	scripts/test sets it to hybridgw, as the service runs."""
	u = os.environ.get('HGW_DROP_USER', '')
	if not u:
		return ''
	import pwd
	try:
		pwd.getpwnam(u)
	except KeyError:
		return ''
	return u


def drop_args(workdir, config=None):
	"""['--user', U] when dropping, after handing U the working directory
	(control socket, startup file) and read access to the config, as the
	unit's RuntimeDirectory= and StateDirectory= do."""
	u = drop_user()
	if not u:
		return []
	import shutil
	shutil.chown(workdir, u, u)
	for name in os.listdir(workdir):
		p = os.path.join(workdir, name)
		if os.path.isfile(p) and not os.path.islink(p):
			shutil.chown(p, u, u)
	if config and os.path.isfile(config):
		d = os.path.dirname(os.path.abspath(config))
		if os.path.abspath(d) != os.path.abspath(workdir):
			os.chmod(config, os.stat(config).st_mode | 0o044)
	return ['--user', u]


class CtlError(RuntimeError):
	def __init__(self, args, rc, out, err):
		super().__init__('hybridgwctl %s failed (rc=%d): %s%s' %
				 (' '.join(args), rc, err.strip(), out.strip()))
		self.rc, self.stdout, self.stderr = rc, out, err


def hybridgwctl(args, sock=None, json=True, check=True, timeout=10):
	"""Run `hybridgwctl [-s sock] ARGS [--json]`. With json=True return the
	parsed JSON document, else the text output. check=False returns the
	CompletedProcess whatever the exit code."""
	if isinstance(args, str):
		args = args.split()
	argv = [hybridgwctl_path()]
	if sock:
		argv += ['-s', sock]
	argv += list(args)
	if json and '--json' not in argv:
		argv.append('--json')
	p = subprocess.run(argv, text=True, stdout=subprocess.PIPE,
			   stderr=subprocess.PIPE, timeout=timeout)
	if not check:
		return p
	if p.returncode != 0:
		raise CtlError(list(args), p.returncode, p.stdout, p.stderr)
	return _json.loads(p.stdout) if json else p.stdout


class Hybridgwd:
	"""hybridgwd -c CONFIG -s SOCK --foreground inside namespace `ns`
	(a Netns, a namespace name, or None for the current one), logging to
	WORKDIR/hybridgwd.log. start() waits until the control socket answers."""

	def __init__(self, ns, config, workdir=None, sock=None, extra_args=(), env=None):
		self.ns = ns
		self.config = config
		self.workdir = workdir or util.make_workdir('hgwd')
		self._own_dir = workdir is None
		self.sock = sock or os.path.join(self.workdir, 'hybridgwd.sock')
		self.log = os.path.join(self.workdir, 'hybridgwd.log')
		self.extra_args = list(extra_args)
		self.env = env
		self.proc = None

	def argv(self):
		# NETCONF host key and other state in the instance's directory, never
		# the host's /var/lib/hybridgw (unless a test says -S)
		state = [] if '-S' in self.extra_args or '--state-dir' in self.extra_args else \
			['-S', os.path.join(self.workdir, 'state')]
		argv = [hybridgwd_path(), '-c', self.config, '-s', self.sock,
			'--foreground'] + state + self.extra_args + drop_args(self.workdir, self.config)
		nsname = getattr(self.ns, 'name', self.ns)
		if nsname:
			argv = ['ip', 'netns', 'exec', nsname] + argv
		return argv

	def start(self, wait=True, timeout=10.0, detach=False):
		self.proc = Proc(self.argv(), self.log, env=self.env, detach=detach,
				 name='hybridgwd')
		if wait:
			self.wait_ready(timeout)
		return self

	def wait_ready(self, timeout=10.0):
		def ready():
			if not self.proc.alive():
				raise util.Fatal('hybridgwd exited with %s:\n%s' %
						   (self.proc.poll(), self.proc.tail()))
			return self.ctl('show version', json=False, check=False).returncode == 0
		try:
			util.wait_for(ready, timeout, 0.05, 'hybridgwd control socket %s' % self.sock)
		except util.WaitTimeout as e:
			raise util.WaitTimeout('%s\nlog:\n%s' % (e, self.proc.tail())) from None

	def ctl(self, args, json=True, check=True, timeout=10):
		return hybridgwctl(args, sock=self.sock, json=json, check=check, timeout=timeout)

	def alive(self):
		return self.proc is not None and self.proc.alive()

	def reload(self):
		"""SIGHUP: re-read the configuration file."""
		self.proc.send_signal(signal.SIGHUP)

	def stop(self, grace=10.0):
		"""SIGTERM; returns the exit code (None when never started)."""
		if self.proc is None:
			return None
		return self.proc.stop(signal.SIGTERM, grace)

	def tail(self, lines=40):
		return util.file_tail(self.log, lines)

	def cleanup(self):
		"""Remove the working directory (log, socket) if we made it."""
		util.remove_own_dir(self, 'workdir')

	def sanitizer_errors(self):
		"""AddressSanitizer / LeakSanitizer / UBSan reports in the log (builds
		with -DHGW_SANITIZE=ON), '' when there are none."""
		return sanitizer_errors(self.log)

	def __enter__(self):
		if self.proc is None:
			self.start()
		return self

	def __exit__(self, *exc):
		self.stop()


_SAN_MARKERS = ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
		'WARNING: ThreadSanitizer', 'ERROR: UndefinedBehaviorSanitizer')


def sanitizer_errors(log):
	try:
		with open(log, errors='replace') as f:
			text = f.read()
	except OSError:
		return ''
	hits = [i for i, line in enumerate(text.splitlines()) if any(m in line for m in _SAN_MARKERS)]
	if not hits:
		return ''
	lines = text.splitlines()
	return '\n'.join(lines[hits[0]:hits[0] + 40])


def validate_config(path, sock=None, timeout=20):
	"""`hybridgwctl [-s SOCK] config validate PATH` (checked by the running
	daemon) -> CompletedProcess (never raises)."""
	argv = [hybridgwctl_path()] + (['-s', sock] if sock else []) + ['config', 'validate', path]
	return subprocess.run(argv, text=True,
			      stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def run_daemon_once(config, ns=None, timeout=20, extra_args=()):
	"""Run hybridgwd in the foreground expecting it to exit by itself (e.g.
	on an invalid config); returns CompletedProcess. A daemon still running
	after `timeout` is killed and reported with returncode None."""
	sockdir = util.make_workdir('hgwd-once')
	argv = [hybridgwd_path(), '-c', config, '-s', os.path.join(sockdir, 'ctl.sock'),
		'--foreground'] + list(extra_args)
	nsname = getattr(ns, 'name', ns)
	if nsname:
		argv = ['ip', 'netns', 'exec', nsname] + argv
	p = subprocess.Popen(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
	try:
		out, err = p.communicate(timeout=timeout)
		rc = p.returncode
	except subprocess.TimeoutExpired:
		p.kill()
		out, err = p.communicate()
		rc = None
	import shutil
	shutil.rmtree(sockdir, ignore_errors=True)
	return subprocess.CompletedProcess(argv, rc, out, err)
