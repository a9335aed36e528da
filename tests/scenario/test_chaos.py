# SPDX-License-Identifier: ISC
"""tests/scenario/test_chaos.py - random events on the scenario lab, with an
independent oracle: after every event the gateway's kernel table (`ip -j route` +
`ip -j nexthop`, proto hybridgw) is compared with the table that a small model of
DESIGN.md section 3 computes from the same inputs. The model below is written from
the contract and docs/failover.md only and shares no code with the daemon.

Events: circuit link loss (carrier) and silent failure (all packets dropped), BFD
flaps (a silence shorter than the hold time), peer restarts (FRR bgpd+bfdd, BIRD),
announcements and withdrawals on every side (circuit edges, cloud VPN gateway,
branch, LAN router), and commits that change the preference mode or the failback
delay. The model's inputs are the events themselves plus the health the *peers*
report (FRR `show bgp neighbors`/`show bfd peers`, BIRD `show protocols`), never
the gateway's own view.

Bounds, in protocol units (the lab: BFD 100 ms x 3, hold 9 s, connect-retry 1 s):
- a failure must show in the kernel within the BFD detection time (0.3 s) plus
  MARGIN_FAIL (2 s: route programming and a loaded 2-core machine under ASan);
- a recovery is waited for on the peer's side for at most RECOVER_S (20 s: BFD
  slow start and a BGP reconnect are a few seconds), then the kernel must follow
  within MARGIN_FAIL; while the recovered source is damped it must stay out of
  the active set, and after failback-delay + MARGIN_FAIL it must be back;
- a comparison is never made within MARGIN_DAMP (1.5 s) of a failback deadline
  (either outcome would be right there); the test waits past it instead;
- announcements and commits: MARGIN_FAIL.
After the warm-up (the first WARMUP events), the daemon's RSS must stay within 5 %.
Under AddressSanitizer RSS also counts the quarantine of freed blocks (256 MB by
default), which only grows until it is full and would hide a flat heap behind it: this
test runs the daemon with a 4 MB quarantine, full within the warm-up (use after free
is still caught for the last 4 MB freed; the other tests keep the default).

HGW_CHAOS_EVENTS sets the event count (default 100 in CI; 1000 on demand),
HGW_CHAOS_SEED the seed (the log prints it: a failure replays with it)."""

import os
import random
import re
import time

import pytest

from hgwlab import util
from hgwlab.nft import silence, unsilence

from conftest import CE1, CE2, VPNGW, BRANCH, LANR, gw_config

EVENTS = int(os.environ.get('HGW_CHAOS_EVENTS', '100'))
SEED = int(os.environ.get('HGW_CHAOS_SEED', str(int(time.time()) % 100000)))
WARMUP = max(10, EVENTS // 5)
BFD_DETECT = 0.3
MARGIN_FAIL = 2.0
MARGIN_DAMP = 1.5
RECOVER_S = 20.0
HOLD_S = 9.0

# ------------------------------------------------------------------ the model

CIRCUIT, VPN, LAN = 'circuit', 'vpn', 'lan'
SOURCES = {		# name: (class, next hop, eBGP)
	'ce1': (CIRCUIT, CE1, True), 'ce2': (CIRCUIT, CE2, True),
	'vpngw': (VPN, VPNGW, True), 'branch': (VPN, BRANCH, True), 'lanr': (LAN, LANR, False),
}
# what each peer announces when it starts (its config): prefix -> AS_PATH length
BASE = {
	'ce1': {'10.100.0.0/16': 1, '10.101.0.0/16': 3, '10.102.0.0/16': 1, '10.110.0.0/16': 1},
	'ce2': {'10.100.0.0/16': 1, '10.101.0.0/16': 3, '10.102.0.0/16': 1, '10.110.0.0/16': 1},
	'vpngw': {'10.0.0.0/8': 1, '10.100.0.0/16': 3, '10.101.0.0/16': 1, '10.102.0.0/16': 1},
	'branch': {'10.50.0.0/16': 1},
	'lanr': {'10.1.1.0/24': 0},
}
# prefixes the events announce: the circuit edges, the VPN gateway and the LAN
# router share a pool (class order decides); the branch has its own (two VPN
# sources for one prefix would make the model decide BGP ties it need not)
POOL = ['10.120.%d.0/24' % i for i in range(6)]
BRANCH_POOL = ['10.121.%d.0/24' % i for i in range(3)]
AS_PATH_LEN = {'ce1': 1, 'ce2': 1, 'vpngw': 1, 'branch': 1, 'lanr': 0}


class Model:
	"""DESIGN.md 3 / docs/failover.md 'Selection, per prefix', for the kernel's
	active set: healthy sources only; damped ones (failback delay running) after
	every undamped one; then class order by preference mode; then RFC 4271 best
	path within the class (here: shortest AS_PATH; equal paths are ECMP up to
	maximum-paths 2). A prefix with no eligible path has no route."""

	def __init__(self):
		self.mode = 'circuit'
		self.failback = 5
		self.rib = {s: dict(BASE[s]) for s in SOURCES}
		self.healthy = {s: True for s in SOURCES}
		self.damp_until = {s: 0.0 for s in SOURCES}

	def fail(self, s):
		self.healthy[s] = False
		self.damp_until[s] = 0.0

	def recover(self, s, t_up):
		"""Healthy again at t_up, having been healthy before: damped."""
		self.healthy[s] = True
		self.damp_until[s] = t_up + self.failback if self.failback else 0.0

	def prefixes(self):
		return sorted({p for s in SOURCES for p in self.rib[s]})

	def boundaries(self):
		return [t for s, t in self.damp_until.items() if t and self.healthy[s]]

	def _class_rank(self, cls):
		order = {'circuit': [LAN, CIRCUIT, VPN], 'vpn': [LAN, VPN, CIRCUIT],
			 'as-path': [LAN, CIRCUIT, VPN]}[self.mode]
		return order.index(cls)

	def active(self, prefix, now):
		cands = [(s, self.rib[s][prefix]) for s in SOURCES
			 if self.healthy[s] and prefix in self.rib[s]]
		if not cands:
			return None
		undamped = [c for c in cands if self.damp_until[c[0]] <= now]
		tier = undamped or cands
		by_cls = {}
		for s, ln in tier:
			by_cls.setdefault(SOURCES[s][0], []).append((s, ln))

		def best_len(cls):
			return min(ln for _, ln in by_cls[cls])

		def key(cls):
			if self.mode == 'as-path' and cls != LAN:
				# LAN first; then the shortest best AS_PATH; a tie goes to the circuit
				return (1, best_len(cls), 0 if cls == CIRCUIT else 1)
			return (0 if cls == LAN else 1, 0, self._class_rank(cls))
		cls = min(by_cls, key=key)
		best = best_len(cls)
		nhs = sorted(SOURCES[s][1] for s, ln in by_cls[cls] if ln == best)
		return nhs[:2]

	def table(self, now):
		return {p: self.active(p, now) for p in self.prefixes()}


# ------------------------------------------------------------------ the lab side

def _peer_healthy(s, src):
	"""The source's health as its peer sees it (never the gateway's view)."""
	d = s.lb.daemon(src)
	if src in ('ce1', 'ce2', 'vpngw', 'lanr'):
		gw_addr = {'ce1': '172.16.1.1', 'ce2': '172.16.1.5', 'vpngw': '169.254.21.2',
			   'lanr': '10.1.0.1'}[src]
		try:
			n = d.vtysh_json('show bgp neighbors %s json' % gw_addr).get(gw_addr, {})
			if n.get('bgpState') != 'Established':
				return False
			if src in ('ce1', 'ce2'):
				peers = d.vtysh_json('show bfd peers json')
				return any(p.get('peer') == gw_addr and p.get('status') == 'up'
					   for p in (peers if isinstance(peers, list) else []))
			return True
		except Exception:	# noqa: BLE001 - daemon stopped: not healthy
			return False
	try:
		protos = d.protocols()
	except Exception:	# noqa: BLE001
		return False
	return 'hybridgw' in protos and protos['hybridgw'][2].startswith('Established')


class Chaos:
	def __init__(self, s, model, rnd, workdir):
		self.s, self.m, self.rnd, self.workdir = s, model, rnd, workdir
		self.mismatches = []
		self.n = 0
		self.history = []

	# -- observation
	def kernel(self):
		return {p: self.s.kernel_nh(p) for p in self.m.prefixes()}

	def wait_peer(self, src, healthy, timeout):
		util.wait_for(lambda: _peer_healthy(self.s, src) == healthy, timeout, 0.1,
			      '%s %s (peer side)' % (src, 'up' if healthy else 'down'))
		return time.monotonic()

	def check(self, what, bound=MARGIN_FAIL):
		"""Wait past any failback deadline near now, then the kernel must equal
		the model within `bound` seconds."""
		while True:
			now = time.monotonic()
			near = [t for t in self.m.boundaries() if t - MARGIN_DAMP < now + bound and
				t + MARGIN_DAMP > now]
			if not near:
				break
			time.sleep(max(near) + MARGIN_DAMP - now)
		want = self.m.table(time.monotonic())
		end = time.monotonic() + bound
		got = None
		while time.monotonic() < end:
			got = self.kernel()
			if got == want:
				return
			time.sleep(0.05)
		got = self.kernel()
		if got != want:
			diff = {p: (got.get(p), want.get(p)) for p in want if got.get(p) != want.get(p)}
			self.mismatches.append((self.n, what, diff))
			print('MISMATCH after event %d (%s): {prefix: (kernel, model)} %r'
			      % (self.n, what, diff))

	def alive(self):
		d = self.s.lb.daemon('gw')
		if not d.alive():
			tail = self.s.log()[-6000:]
			pytest.fail('hybridgwd died after event %d (%s), seed %d; history %r\n%s'
				    % (self.n, self.history[-1] if self.history else '-', SEED,
				       self.history[-12:], tail))

	def rss_kb(self):
		pid = self.s.lb.daemon('gw').proc.pid
		with open('/proc/%d/status' % pid) as f:
			for ln in f:
				if ln.startswith('VmRSS:'):
					return int(ln.split()[1])
		return 0

	# -- events
	def ev_link_loss(self):
		src = self.rnd.choice(['ce1', 'ce2'])
		if not self.m.healthy[src]:
			return None
		dur = self.rnd.uniform(0.5, 4.0)
		ns = self.s.lb.ns(src)
		ns.run(['ip', 'link', 'set', 'eth1', 'down'])
		self.m.fail(src)
		self.check('%s link down' % src, BFD_DETECT + MARGIN_FAIL)
		time.sleep(max(0.0, dur - BFD_DETECT - MARGIN_FAIL))
		ns.run(['ip', 'link', 'set', 'eth1', 'up'])
		t = self.wait_peer(src, True, RECOVER_S)
		self.m.recover(src, t)
		self.check('%s link up' % src)
		return 'link %s %.1fs' % (src, dur)

	def ev_silence(self, flap=False):
		src = self.rnd.choice(['ce1', 'ce2'])
		if not self.m.healthy[src]:
			return None
		# a BFD flap: shorter than the hold time, BGP stays up
		dur = self.rnd.uniform(0.5, 1.5) if flap else self.rnd.uniform(1.0, HOLD_S - 3)
		ns = self.s.lb.ns(src)
		silence(ns, 'eth1')
		self.m.fail(src)
		self.check('%s silent' % src, BFD_DETECT + MARGIN_FAIL)
		time.sleep(max(0.0, dur - BFD_DETECT - MARGIN_FAIL))
		unsilence(ns)
		t = self.wait_peer(src, True, RECOVER_S)
		self.m.recover(src, t)
		self.check('%s heard again' % src)
		return '%s %s %.1fs' % ('bfd-flap' if flap else 'silence', src, dur)

	def ev_restart(self):
		src = self.rnd.choice(list(SOURCES))
		if not self.m.healthy[src]:
			return None
		self.s.lb.stop_node(src)
		self.m.fail(src)
		self.check('%s stopped' % src, BFD_DETECT + MARGIN_FAIL)
		self.s.lb.start_node(src)
		if src == 'branch':
			self._branch_conf()
		t = self.wait_peer(src, True, RECOVER_S)
		# a restarted peer announces its configuration again, nothing more
		self.m.rib[src] = dict(BASE[src])
		if src == 'branch':
			self.m.rib[src].update({p: 1 for p in self.branch_extra})
		self.m.recover(src, t)
		self.check('%s restarted' % src, MARGIN_FAIL + 3.0)	# + the peer's initial UPDATEs
		return 'restart %s' % src

	def _frr_network(self, src, prefix, add):
		asn = {'ce1': 12076, 'ce2': 12076, 'vpngw': 65515, 'lanr': 65010}[src]
		self.s.lb.daemon(src).vtysh(['configure terminal', 'router bgp %d' % asn,
					     'address-family ipv4 unicast',
					     ('' if add else 'no ') + 'network ' + prefix])

	def _branch_conf(self):
		d = self.s.lb.daemon('branch')
		routes = ''.join(' route %s blackhole;' % p for p in sorted(self.branch_extra))
		with open(d.conf) as f:
			text = f.read()
		text = re.sub(r'protocol static \{[^}]*\}',
			      'protocol static { ipv4; route 10.50.0.0/16 blackhole;%s }' % routes, text)
		with open(d.conf, 'w') as f:
			f.write(text)
		d.birdc('configure')

	def ev_announce(self):
		src = self.rnd.choice(list(SOURCES))
		if not self.m.healthy[src]:
			return None
		pool = BRANCH_POOL if src == 'branch' else POOL
		p = self.rnd.choice(pool)
		add = p not in self.m.rib[src]
		if src == 'branch':
			(self.branch_extra.add if add else self.branch_extra.discard)(p)
			self._branch_conf()
		else:
			self._frr_network(src, p, add)
		if add:
			self.m.rib[src][p] = AS_PATH_LEN[src]
		else:
			del self.m.rib[src][p]
		self.check('%s %s %s' % (src, 'announces' if add else 'withdraws', p),
			   MARGIN_FAIL + 1.0)
		return '%s %s %s' % (src, 'announce' if add else 'withdraw', p)

	def ev_commit(self):
		if self.rnd.random() < 0.5:
			mode = self.rnd.choice([m for m in ('circuit', 'vpn', 'as-path') if m != self.m.mode])
			self.m.mode = mode
			what = 'preference %s' % mode
		else:
			# running failback timers keep their deadline (docs/failover.md): no
			# model change for them, only for later recoveries
			self.m.failback = self.rnd.choice([f for f in (2, 3, 4, 5) if f != self.m.failback])
			what = 'failback-delay %d' % self.m.failback
		self.s.apply(gw_config({'<preference>circuit</preference>':
					'<preference>%s</preference>' % self.m.mode,
					'<failback-delay>5</failback-delay>':
					'<failback-delay>%d</failback-delay>' % self.m.failback}),
			     name='chaos.xml')
		self.check('commit %s' % what)
		return 'commit %s' % what

	def run_one(self):
		kinds = [(self.ev_link_loss, 2), (self.ev_silence, 2),
			 (lambda: self.ev_silence(flap=True), 2), (self.ev_restart, 1),
			 (self.ev_announce, 4), (self.ev_commit, 2)]
		fns = [f for f, w in kinds for _ in range(w)]
		for _ in range(10):
			what = self.rnd.choice(fns)()
			if what:
				break
		else:
			what = 'nothing'
		self.n += 1
		self.history.append(what)
		self.alive()
		return what


def test_chaos_oracle(scen, workdir, monkeypatch, capsys):
	# ignored by a build without ASan; later ASan flags override earlier ones
	monkeypatch.setenv('ASAN_OPTIONS', os.environ.get('ASAN_OPTIONS', '') +
			   ':quarantine_size_mb=4:thread_local_quarantine_size_kb=256')
	s = scen()
	model = Model()
	rnd = random.Random(SEED)
	c = Chaos(s, model, rnd, workdir)
	c.branch_extra = set()
	print('\nchaos: %d events, seed %d' % (EVENTS, SEED))
	c.check('start')
	rss = []
	t0 = time.monotonic()
	for i in range(EVENTS):
		what = c.run_one()
		print('event %d: %s' % (i + 1, what))
		if i + 1 >= WARMUP:
			rss.append(c.rss_kb())
	# every source back, every damping over: the final table
	for src in SOURCES:
		if not model.healthy[src]:
			model.recover(src, c.wait_peer(src, True, RECOVER_S))
	c.check('end')
	base, top = rss[0], max(rss)
	# the figures docs/reliability.md records, shown on a pass too
	summary = ('chaos: %d events in %.0f s, %d mismatches; RSS after warm-up %d kB, max %d kB '
	      '(+%.1f %%)' % (EVENTS, time.monotonic() - t0, len(c.mismatches), base, top,
			      100.0 * (top - base) / base))
	with capsys.disabled():
		print(summary)
	assert not c.mismatches, c.mismatches
	assert top <= base * 1.05, 'RSS grew from %d kB to %d kB after warm-up' % (base, top)
	log = s.log()
	assert 'AddressSanitizer' not in log and 'runtime error' not in log, log[-4000:]
