# SPDX-License-Identifier: ISC
"""tests/integration/test_ctl_limits.py - the control socket under hostile
local clients: a client that reads nothing stalls neither the event loop nor
the other clients; more than 32 clients at once are refused with a reason and
served again once they go; a request over 64 MiB is refused; the daemon
keeps its BGP session (the loop keeps turning) throughout."""

import os
import contextlib
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'interop'))

import bgp_helpers as H  # noqa: E402
from hgwlab import util  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

MAX_CLIENTS = 32		# northbound/nb_ctl.c CTL_MAX_CLIENTS


def _raw(sock_path):
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.connect(sock_path)
	return s


def _reply(s, timeout=5):
	s.settimeout(timeout)
	out = b''
	while True:
		try:
			d = s.recv(65536)
		except OSError:
			break
		if not d:
			break
		out += d
	return out


def _timed_ctl(d, args='show version'):
	t = time.monotonic()
	d.ctl(args, json=False)
	return time.monotonic() - t


def _up(netns, workdir, hgwd, nprefixes=0):
	gw, pe = H.link(netns)
	lp = ['10.%d.%d.0/24' % (100 + i // 256, i % 256) for i in range(nprefixes)]
	cfg = H.gw_config(os.path.join(workdir, 'gw.xml'), hold=3, passive=True, local_prefixes=lp)
	# loading the config (libyang validation, one route per local prefix) grows
	# with its size: 4,000 prefixes took over 10 s under ASan on a loaded
	# 2-core machine; 10 ms a prefix on top of the usual 10 s is ample
	d = hgwd(gw, cfg, start=False)
	d.start(timeout=10.0 + 0.01 * nprefixes)
	s = H.RawSpeaker(pe, hold=3).connect().open()
	H.wait_state(d)
	return d, s


def _session_alive(d, s, seconds, ask=True):
	"""Keep our side of the BGP session alive for `seconds` and check that
	the gateway's keepalives (hold 3 s: every second) keep coming."""
	end = time.monotonic() + seconds
	last = time.monotonic()
	while time.monotonic() < end:
		s.keepalive()
		t, _ = s.recv(0.3)
		assert t != 3, 'the gateway sent a NOTIFICATION'
		if t == 4:
			last = time.monotonic()
		assert time.monotonic() - last < 2.5, 'no keepalive from the gateway for 2.5 s'
	if ask:
		assert H.state(d) == 'established'


@contextlib.contextmanager
def _our_keepalives(s):
	"""Our side of the session (hold 3 s) sends a KEEPALIVE every 0.5 s from
	a thread while the test runs hybridgwctl: under stress-ng one hybridgwctl
	run took over 3 s, and the gateway rightly closed a session that had
	gone quiet for its hold time. What the gateway sends stays unread until
	_session_alive reads it."""
	stop = threading.Event()

	def beat():
		while not stop.wait(0.5):
			s.keepalive()
	t = threading.Thread(target=beat, daemon=True)
	t.start()
	try:
		yield
	finally:
		stop.set()
		t.join()


def test_slow_client_stalls_nothing(netns, workdir, hgwd):
	# a config big enough that `show config --json` does not fit the socket buffer
	d, s = _up(netns, workdir, hgwd, nprefixes=4000)
	slow = []
	with _our_keepalives(s):
		for _ in range(4):
			c = _raw(d.sock)
			c.sendall(b'show config --json\n')
			c.shutdown(socket.SHUT_WR)
			slow.append(c)		# never read
		time.sleep(0.5)
		worst = 0.0
		for _ in range(10):
			worst = max(worst, _timed_ctl(d))
		# 2 s: a stalled loop would hold the request until a slow client's
		# buffer drained (never); a served one takes tens of ms
		bound = 2.0 * util.TIMEOUT_SCALE
		assert worst < bound, 'a normal request took %.2f s beside clients that read nothing' % worst
		doc = d.ctl('show bgp')
	assert doc
	_session_alive(d, s, 4)
	for c in slow:
		c.close()
	assert d.alive()
	assert not d.sanitizer_errors()


def test_client_bound(netns, workdir, hgwd):
	d, s = _up(netns, workdir, hgwd)
	idle = [_raw(d.sock) for _ in range(MAX_CLIENTS)]
	time.sleep(0.3)
	extra = _raw(d.sock)
	r = _reply(extra)
	assert r.startswith(b'1') and b'too many clients' in r, r
	p = d.ctl('show version', json=False, check=False)
	assert p.returncode != 0
	_session_alive(d, s, 2, ask=False)
	for c in idle:
		c.close()
	util.wait_for(lambda: d.ctl('show version', json=False, check=False).returncode == 0,
		      5, 0.1, 'served again once the idle clients left')
	assert 'too many clients' in open(d.log).read() or 'more than' in open(d.log).read()
	assert not d.sanitizer_errors()


def test_request_too_large(netns, workdir, hgwd):
	d, s = _up(netns, workdir, hgwd)
	c = _raw(d.sock)
	chunk = b'#' * (1 << 20)
	sent = 0
	c.settimeout(10)
	try:
		c.sendall(b'config validate -\n')
		while sent < (80 << 20):
			c.sendall(chunk)
			sent += len(chunk)
		c.shutdown(socket.SHUT_WR)
	except OSError:
		pass	# the daemon stopped reading and closed: refused
	r = _reply(c)
	assert sent < (80 << 20) or r.startswith(b'1'), 'an 80 MiB request was read whole'
	c.close()
	assert _timed_ctl(d) < 2.0
	_session_alive(d, s, 2)
	assert 'request over' in open(d.log).read()
	assert not d.sanitizer_errors()
