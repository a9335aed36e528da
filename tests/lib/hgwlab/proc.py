# SPDX-License-Identifier: ISC
"""hgwlab/proc.py - a daemon process with a log file, stopped for sure."""

import os
import signal
import subprocess
import time

from . import util


class Proc:
	"""A long-running process started in the foreground (never daemonized), with
	stdout+stderr in `log`. stop() sends SIGTERM, then SIGKILL after `grace`
	seconds, reaps it and returns the exit code (negative: killed by signal)."""

	def __init__(self, argv, log, env=None, detach=False, name=None):
		self.argv = list(argv)
		self.log = log
		self.name = name or os.path.basename(self.argv[0])
		self._logf = open(log, 'ab', buffering=0)
		self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
					      stdout=self._logf, stderr=subprocess.STDOUT,
					      env=env, start_new_session=detach)
		self.pid = self.popen.pid
		self.returncode = None
		self._closer = util.register(self.kill)

	def alive(self):
		return self.popen.poll() is None

	def poll(self):
		return self.popen.poll()

	def send_signal(self, sig):
		if self.alive():
			self.popen.send_signal(sig)

	def wait(self, timeout=None):
		self.returncode = self.popen.wait(timeout)
		return self.returncode

	def stop(self, sig=signal.SIGTERM, grace=5.0):
		if self.alive():
			try:
				self.popen.send_signal(sig)
				self.popen.wait(grace)
			except subprocess.TimeoutExpired:
				self.popen.kill()
				self.popen.wait(5)
		self.returncode = self.popen.wait()
		self._logf.close()
		util.unregister(self._closer)
		return self.returncode

	def kill(self):
		self.stop(grace=2.0)

	def tail(self, lines=40):
		return util.file_tail(self.log, lines)

	def __repr__(self):
		return '<Proc %s pid=%d>' % (self.name, self.pid)


def pid_alive(pid):
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		return True
	# a zombie we are not the parent of still answers kill(0)
	try:
		with open('/proc/%d/stat' % pid) as f:
			return f.read().split(') ', 1)[1][0] != 'Z'
	except OSError:
		return False


def kill_pid(pid, grace=5.0):
	"""Stop a process we started but are not the parent of (runner state)."""
	if not pid_alive(pid):
		return
	try:
		os.kill(pid, signal.SIGTERM)
	except ProcessLookupError:
		return
	deadline = time.monotonic() + grace
	while time.monotonic() < deadline:
		if not pid_alive(pid):
			return
		time.sleep(0.05)
	try:
		os.kill(pid, signal.SIGKILL)
	except ProcessLookupError:
		pass


class Daemon:
	"""A peer daemon run as one Proc (self.proc, set by start()) with its own
	directory: stop, clean up, and use as a context manager."""

	proc = None

	def stop(self):
		if self.proc:
			self.proc.stop()

	def cleanup(self):
		util.remove_own_dir(self)

	def __enter__(self):
		if not self.proc:
			self.start()
		return self

	def __exit__(self, *exc):
		self.stop()
