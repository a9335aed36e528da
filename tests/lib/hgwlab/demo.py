# SPDX-License-Identifier: ISC
"""hgwlab/demo.py - `scripts/lab demo`: watch a failover on the default lab. A ping stream
(every 10 ms) and an iperf3 stream run from lanhost to cloudhost across the gateway; both
circuit edges go silent (nftables drops everything, carriers stay up: only BFD can tell);
the gateway's route table before and after (`ip route`, `ip nexthop`, `hybridgwctl show
routes`), the failover journal entry (detected -> FIB switched, prefixes moved) and a loss
timeline per 100 ms are printed; then the circuit comes back and the failback waits for the
failback delay. `hybridgwctl monitor` runs alongside and its stream is shown at the end.
run_demo() returns the measurements for tests (tests/integration/test_lab_demo.py)."""

import datetime
import json
import re
import subprocess
import threading
import time

from . import util
from .hgw import hybridgwctl, hybridgwctl_path
from .nft import silence, unsilence

SRC_NODE, DST_NODE, DST = 'lanhost', 'cloudhost', '10.100.1.10'
PREFIX = '10.100.0.0/16'
EDGES = ('ce1', 'ce2')
INTERVAL = 0.01
BUCKET = 0.1


def _wall(s):
	return datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()


class _Stream:
	"""A command in a node, its output lines collected with arrival times."""

	def __init__(self, lab, node, argv):
		self.p = subprocess.Popen(['ip', 'netns', 'exec', lab.nsname(node)] + argv, text=True,
					  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
		self.lines = []
		self._closer = util.register(self.kill)
		self.t = threading.Thread(target=self._read, daemon=True)
		self.t.start()

	def _read(self):
		for ln in self.p.stdout:
			self.lines.append((time.time(), ln.rstrip('\n')))

	def stop(self, sig=2):
		if self.p.poll() is None:
			self.p.send_signal(sig)
			try:
				self.p.wait(timeout=5)
			except subprocess.TimeoutExpired:
				self.p.kill()
				self.p.wait()
		self.t.join(timeout=5)
		util.unregister(self._closer)
		return [ln for _, ln in self.lines]

	def kill(self):
		if self.p.poll() is None:
			self.p.kill()
			self.p.wait()


class Demo:
	def __init__(self, lab, out=print, gw='gw'):
		self.lab, self.out, self.gwn = lab, out, gw
		self.gw = lab.ns(gw)
		self.sock = lab.ctl_sock(gw)
		self.events = []	# (wall time, what)

	def mark(self, what):
		self.events.append((time.time(), what))

	# ------------------------------------------------------------ gateway views
	def state(self, what):
		return hybridgwctl('show ' + what, sock=self.sock).get('hybridgw:gateway-state', {})

	def journal(self):
		return self.state('failover').get('failover', {}).get('event', [])

	def kernel_nh(self, prefix=PREFIX):
		"""Gateways the kernel forwards prefix to (through its nexthop group)."""
		routes = {r['dst']: r for r in self.gw.routes(proto=196)}
		r = routes.get(prefix)
		if not r:
			return []
		nhs = json.loads(self.gw.out(['ip', '-j', 'nexthop', 'show']))
		by_id = {n['id']: n for n in nhs}

		def resolve(i):
			n = by_id.get(i, {})
			if 'group' in n:
				return sum((resolve(m['id']) for m in n['group']), [])
			return [n.get('gateway') or n.get('dev')] if n and not n.get('blackhole') else []
		return sorted(resolve(r['nhid'])) if 'nhid' in r else sorted(
			h.get('gateway') for h in r.get('nexthops', [r]) if h.get('gateway'))

	def show_tables(self, title):
		self.out('\n=== %s' % title)
		self.out('--- gw: ip route show proto hybridgw')
		self.out(self.gw.out(['ip', 'route', 'show', 'proto', '196']).rstrip())
		self.out('--- gw: ip nexthop show')
		self.out(self.gw.out(['ip', 'nexthop', 'show']).rstrip())
		self.out('--- gw: hybridgwctl show routes')
		p = subprocess.run([hybridgwctl_path(), '-s', self.sock, 'show', 'routes'], text=True,
				   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
		self.out(p.stdout.rstrip())

	def wait_ready(self, timeout=60):
		self.lab.wait_gateway(self.gwn, timeout=timeout)
		util.wait_for(lambda: (lambda s: s and all(x['state'] == 'up' for x in s))(
			self.state('bfd').get('bfd', {}).get('session', [])), timeout, 0.1,
			      'BFD up on the circuit')
		util.wait_for(lambda: len(self.kernel_nh()) == 2, timeout, 0.1,
			      '%s on both circuit links' % PREFIX)

	# ------------------------------------------------------------ the show
	def run(self, before=2.0, after=3.0, tail=2.0, failback_timeout=60):
		res = {}
		self.wait_ready()
		circuit = self.kernel_nh()
		self.show_tables('before: %s on the circuit (ECMP over both links), the VPN as '
				 'its precomputed backup' % PREFIX)
		n0 = len(self.journal())
		mon = _Stream(self.lab, self.gwn, [hybridgwctl_path(), '-s', self.sock, 'monitor'])
		srv = _Stream(self.lab, DST_NODE, ['iperf3', '-s', '-1', '-p', '5201'])
		util.wait_for(lambda: ':5201' in self.lab.exec(DST_NODE, ['ss', '-ltnH']).stdout,
			      10, 0.05, 'iperf3 server listening')
		t0 = time.time()
		ping = _Stream(self.lab, SRC_NODE, ['ping', '-n', '-D', '-i', str(INTERVAL), '-W', '1', DST])
		perf = _Stream(self.lab, SRC_NODE, ['iperf3', '-c', DST, '-p', '5201', '-t', '600',
						     '-i', '0.5', '-b', '50M', '--forceflush'])
		self.out('\n=== traffic: ping every %d ms and iperf3 (TCP, 50 Mbit/s) %s -> %s %s' % (
			INTERVAL * 1000, SRC_NODE, DST_NODE, DST))
		time.sleep(before)
		# the cut: both circuit edges go silent, carrier up
		self.mark('circuit cut (ce1, ce2 silent)')
		t_cut = time.time()
		for e in EDGES:
			silence(self.lab.ns(e))
		self.out('\n=== %.2f s: circuit cut: ce1 and ce2 drop everything (links stay up)' %
			 (t_cut - t0))
		util.wait_for(lambda: self.kernel_nh() and all(h not in circuit for h in self.kernel_nh()),
			      15, 0.01, '%s off the circuit' % PREFIX)
		t_moved = time.time()
		self.mark('kernel route on the VPN')
		time.sleep(after)
		self.show_tables('after the cut: %s on the VPN' % PREFIX)
		new = self.journal()[n0:]
		down = [e for e in new if e.get('trigger') == 'bfd-down']
		self.out('\n--- gw: the failover journal (hybridgwctl show failover, new entries)')
		for e in new:
			self.out('  #%s %s %s: detected %s, FIB switched %s (%s us), %s prefixes moved '
				 'to %s, %s groups rewritten' % (
					 e.get('id'), e.get('connection'), e.get('trigger'),
					 e.get('detected'), e.get('fib-switched', '-'),
					 e.get('switch-time', '-'), e.get('prefixes-moved', 0),
					 e.get('to-class', '-'), e.get('groups-rewritten', 0)))
		# back: the circuit heals, the failback waits for failback-delay
		self.mark('circuit restored')
		t_rest = time.time()
		for e in EDGES:
			unsilence(self.lab.ns(e))
		self.out('\n=== %.2f s: circuit restored; failback waits for failback-delay of '
			 'continuous health' % (t_rest - t0))
		# a link is healthy with BFD up and BGP Established; its failback delay
		# runs from there (each link its own, started over if it flaps)
		since = {a: None for a in circuit}
		t_healthy = None
		deadline = time.monotonic() + failback_timeout
		while True:
			bfd = {x['peer-address']: x['state'] for x in
			       self.state('bfd').get('bfd', {}).get('session', [])}
			nb = {x['address']: x['state'] for x in
			      self.state('bgp').get('bgp', {}).get('neighbor', [])}
			now = time.time()
			for a in circuit:
				ok = bfd.get(a) == 'up' and nb.get(a) == 'established'
				if ok and since[a] is None:
					since[a] = now
					self.mark('%s healthy: BFD up, BGP Established' % a)
				elif not ok and since[a] is not None:
					since[a] = None
					self.mark('%s unhealthy again' % a)
			nh = self.kernel_nh()
			back = [a for a in circuit if a in nh]
			if back:
				t_healthy = min((since[a] for a in back if since[a]), default=None)
				break
			if time.monotonic() > deadline:
				raise util.WaitTimeout('no failback within %d s' % failback_timeout)
			time.sleep(0.05)
		t_back = time.time()
		self.mark('failback: kernel route on the circuit')
		time.sleep(tail)
		perf_lines = perf.stop()
		ping_lines = ping.stop()
		srv.stop()
		t_end = time.time()
		mon_lines = mon.stop()
		fb = [e for e in self.journal()[n0:] if e.get('trigger') == 'failback']
		pol = hybridgwctl('show config', sock=self.sock).get('hybridgw:gateway', {}).get(
			'policy', {})
		delay = int(pol.get('failback-delay', 60))
		self.out('--- gw: the failback entry')
		for e in fb:
			self.out('  #%s %s failback: detected %s, FIB switched %s, %s prefixes moved to %s' % (
				e.get('id'), e.get('connection'), e.get('detected'), e.get('fib-switched'),
				e.get('prefixes-moved'), e.get('to-class')))
		self.show_tables('after the failback: %s on the circuit again' % PREFIX)

		loss = self.timeline(ping_lines, t0, t_end)
		self.out('\n=== iperf3 %s -> %s, every 0.5 s' % (SRC_NODE, DST_NODE))
		for ln in perf_lines:
			if (re.search(r'sec\s+\S+\s+\S?Bytes', ln) and 'sender' not in ln and
			    'receiver' not in ln) or 'error' in ln:
				self.out('  ' + ln.strip())
		self.out('\n=== hybridgwctl monitor (live, as it happened)')
		for ln in mon_lines:
			self.out('  ' + ln)
		self.out('\n=== summary')
		det = min((_wall(e['detected']) for e in down), default=None)
		sw = max((_wall(e['fib-switched']) for e in down if e.get('fib-switched')), default=None)
		if det:
			self.out('  silence -> BFD detected:       %6.0f ms' % ((det - t_cut) * 1e3))
		if sw:
			self.out('  silence -> FIB switched:       %6.0f ms' % ((sw - t_cut) * 1e3))
		self.out('  silence -> kernel seen on VPN: %6.0f ms' % ((t_moved - t_cut) * 1e3))
		self.out('  ping loss around the cut:      %6d packets (%.0f ms)' % (
			loss['lost_cut'], loss['lost_cut'] * INTERVAL * 1e3))
		if t_healthy:
			self.out('  link healthy -> failback:      %6.1f s (failback-delay %d s)' % (
				t_back - t_healthy, delay))
		self.out('  ping loss around the failback: %6d packets' % loss['lost_back'])
		res.update(t0=t0, t_cut=t_cut, t_moved=t_moved, t_rest=t_rest, t_healthy=t_healthy,
			   t_back=t_back, detected=det, switched=sw, journal=new, failback=fb,
			   delay=delay, monitor=mon_lines, iperf=perf_lines, loss=loss)
		return res

	def timeline(self, lines, t0, t_end):
		"""Print one character per 100 ms of ping sends ('.' none lost, 1-9 lost,
		'#' all 10 lost), 5 s a line, with the events below; returns counts."""
		replies = {}
		for ln in lines:
			m = re.match(r'^\[(\d+\.\d+)\].*icmp_seq=(\d+)', ln)
			if m and 'bytes from' in ln:
				replies.setdefault(int(m.group(2)), float(m.group(1)))
		sent = 0
		for ln in lines:
			m = re.search(r'(\d+) packets transmitted', ln)
			if m:
				sent = int(m.group(1))
		sent = sent or (max(replies) if replies else 0)
		pts = sorted(replies.items())
		step = ((pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])
			if len(pts) > 1 and pts[-1][0] > pts[0][0] else INTERVAL)
		start = pts[0][1] - (pts[0][0] - 1) * step if pts else t0
		nb = int((t_end - start) / BUCKET) + 1
		lost = [0] * nb
		total = [0] * nb
		for s in range(1, sent - 5):	# the last few may be in flight
			b = int(((s - 1) * step) / BUCKET)
			if 0 <= b < nb:
				total[b] += 1
				if s not in replies:
					lost[b] += 1
		cut = next((t for t, w in self.events if w.startswith('circuit cut')), t0)
		back = next((t for t, w in self.events if w.startswith('failback')), t_end)

		def lost_near(t, before=1.0, after=3.0):
			lo, hi = int((t - before - start) / BUCKET), int((t + after - start) / BUCKET)
			return sum(lost[max(0, lo):max(0, hi)])
		self.out('\n=== loss per 100 ms, %s -> %s (a ping every %d ms; . none lost, 1-9 lost, '
			 '# all lost)' % (SRC_NODE, DST, INTERVAL * 1000))
		for i in range(0, nb, 50):
			row = ''.join('.' if total[b] == 0 or lost[b] == 0 else
				      ('#' if lost[b] >= total[b] else str(min(9, lost[b])))
				      for b in range(i, min(nb, i + 50)))
			self.out('  %5.1f s  %s' % (i * BUCKET, row))
		for t, w in self.events:
			self.out('  %5.2f s  %s' % (t - start, w))
		return {'sent': sent, 'received': len(replies), 'lost': sum(lost),
			'lost_cut': lost_near(cut), 'lost_back': lost_near(back, 1.0, 2.0),
			'buckets': list(zip(total, lost)), 'start': start}


def run_demo(lab, out=print, **kw):
	return Demo(lab, out=out).run(**kw)
