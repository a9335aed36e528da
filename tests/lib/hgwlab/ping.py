# SPDX-License-Identifier: ISC
"""hgwlab/ping.py - a ping stream (`ping -i 0.01`) from a namespace that counts
lost replies: the outage a failover causes, in packets and in time."""

import re
import signal
import subprocess
import time

from . import util

_SEQ = re.compile(r'icmp_seq=(\d+)')
_TS = re.compile(r'^\[(\d+\.\d+)\]')


class PingStream:
	"""Start with start(), stop with stop() -> result dict:
	sent (from the ping summary), received, lost (missing sequences, except
	those sent in the last 50 ms: still in flight), longest_gap (longest run of
	consecutive missing sequences), outage_s (longest time without replies,
	from ping -D timestamps; a loss still going on at stop() counts up to the
	stop), loss_s (lost * the real mean send interval), recovered (replies were
	coming back when the stream stopped)."""

	def __init__(self, ns, dst, interval=0.01, size=None, src=None):
		self.ns, self.dst, self.interval = ns, dst, interval
		self.size, self.src = size, src
		self.proc = None
		self.result = None
		self._closer = None

	def start(self):
		argv = ['ping', '-n', '-D', '-i', str(self.interval), '-W', '1']
		if self.size:
			argv += ['-s', str(self.size)]
		if self.src:
			argv += ['-I', self.src]
		argv.append(self.dst)
		name = getattr(self.ns, 'name', self.ns)
		self.proc = subprocess.Popen(['ip', 'netns', 'exec', name] + argv, text=True,
					     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
		self._closer = util.register(self._kill)
		self.t0 = time.monotonic()
		return self

	def _kill(self):
		if self.proc and self.proc.poll() is None:
			self.proc.kill()
			self.proc.wait()

	def stop(self, settle=0.2):
		"""Let replies in flight arrive for `settle` seconds, then SIGINT."""
		time.sleep(settle)
		self.proc.send_signal(signal.SIGINT)
		try:
			out, _ = self.proc.communicate(timeout=5)
		except subprocess.TimeoutExpired:
			self.proc.kill()
			out, _ = self.proc.communicate()
		util.unregister(self._closer)
		self.result = parse(out, self.interval)
		self.result['duration_s'] = time.monotonic() - self.t0
		return self.result

	def __enter__(self):
		return self.start()

	def __exit__(self, *exc):
		if self.result is None:
			self.stop(settle=0)


def parse(out, interval, inflight_s=0.05):
	"""Sequences sent in the last `inflight_s` before ping stopped may still
	be on their way: they count neither as lost nor as received."""
	seqs = {}
	for line in out.splitlines():
		m = _SEQ.search(line)
		if m and 'bytes from' in line:
			t = _TS.match(line)
			seqs.setdefault(int(m.group(1)), float(t.group(1)) if t else None)
	m = re.search(r'(\d+) packets transmitted, (\d+) (?:packets )?received', out)
	sent = int(m.group(1)) if m else (max(seqs) if seqs else 0)
	ts = sorted((s, t) for s, t in seqs.items() if t is not None)
	if len(ts) > 1 and ts[-1][0] > ts[0][0]:
		step = (ts[-1][1] - ts[0][1]) / (ts[-1][0] - ts[0][0])
	else:
		step = interval
	cutoff = max(0, sent - max(1, int(round(inflight_s / step))))
	cutoff = max(cutoff, max(seqs) if seqs else 0)
	lost = gap = longest = 0
	outage = 0.0
	prev = None
	for s in range(1, cutoff + 1):
		if s in seqs:
			if gap and prev is not None and seqs[s] is not None and seqs[prev] is not None:
				outage = max(outage, seqs[s] - seqs[prev])
			elif gap and prev is None:
				outage = max(outage, gap * step)
			gap = 0
			prev = s
		else:
			lost += 1
			gap += 1
			longest = max(longest, gap)
	tail = gap	# still lost when ping stopped
	if tail:
		outage = max(outage, tail * step)
	return {'sent': sent, 'received': len(seqs), 'lost': lost,
		'longest_gap': longest, 'outage_s': round(outage, 4),
		'loss_s': round(lost * step, 4), 'interval_s': round(step, 5),
		'last_seq_answered': max(seqs) if seqs else 0,
		'recovered': tail == 0 and bool(seqs)}
