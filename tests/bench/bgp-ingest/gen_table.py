#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""tests/bench/bgp-ingest/gen_table.py - a full BGP table with a realistic shape, as raw UPDATEs.

    gen_table.py N4 [--v6 N6] [--seed S] [--out DIR]

Deterministic by seed (Python's random.Random; no downloaded data). Writes
into DIR (default .):
  updates.bin    the UPDATE messages a sender in AS 65100 (next hop 10.0.0.2,
                 2001:db8::2 for IPv6) sends after the session is up: one
                 attribute set per run of UPDATEs (NLRI packed up to 4,096
                 bytes), then End-of-RIB for each family (RFC 4724 2)
  prefixes4.txt  the IPv4 prefixes, one a line (fib_watch's input)
  prefixes6.txt  the IPv6 prefixes
  stats.txt      the shape, one "key value" a line (also printed)

The shape (what a full table learnt from one transit looks like, in round
figures from public table statistics; the numbers scale with N):
  - origin ASes: one per ~14 prefixes (~72k at 1M), prefixes per origin
    log-normal (median ~4, a few origins with thousands);
  - AS paths: the sender's AS, 0-8 transit hops drawn from a transit pool
    with a heavy preference for the big ones, the origin; unique hops 1-10,
    mostly 3-5; ~10% of origins prepend themselves 1-4 times, a few prepend
    a transit; origins with many prefixes announce part of them with a second
    path (traffic engineering): tens of thousands of distinct AS paths;
  - attribute sets (path + origin + MED + communities + large communities +
    AGGREGATOR/ATOMIC_AGGREGATE): 80k-150k at 1M. ~65% of routes carry
    1-10 communities (the sender's ingress/region tags and the origin's),
    ~12% large communities (RFC 8092), ~35% a MED, ~2% AGGREGATOR (half of
    those with ATOMIC_AGGREGATE); ORIGIN IGP ~85%, INCOMPLETE ~13%, EGP ~2%.
    No LOCAL_PREF: the session is eBGP (RFC 4271 5.1.5);
  - prefix lengths: IPv4 ~58% /24, a long tail /16-/23, ~1.5% shorter
    than /16; IPv6 mostly /48 and /32-/47 (/29 .. /48).
"""

import argparse
import ipaddress
import math
import os
import random
import struct
import sys
import time

SENDER_AS = 65100
NEXT_HOP4 = '10.0.0.2'
NEXT_HOP6 = '2001:db8::2'
MAX_MSG = 4096			# RFC 4271 4.1

LEN4 = [(24, 58.0), (23, 9.0), (22, 11.0), (21, 5.0), (20, 5.0), (19, 3.5), (18, 2.0),
	(17, 1.2), (16, 3.8), (15, 0.4), (14, 0.4), (13, 0.3), (12, 0.2), (11, 0.1),
	(10, 0.05), (9, 0.03), (8, 0.02)]
LEN6 = [(48, 46.0), (44, 6.0), (40, 6.0), (36, 3.0), (32, 16.0), (29, 3.0), (46, 4.0),
	(47, 3.0), (45, 2.0), (42, 2.0), (33, 2.0), (34, 1.5), (35, 1.0), (38, 1.5), (43, 3.0)]
# unique ASes on the path (sender's and origin's included): 1 .. 10
HOPS = [(1, 0.4), (2, 8.0), (3, 30.0), (4, 32.0), (5, 17.0), (6, 7.5), (7, 3.0), (8, 1.2),
	(9, 0.6), (10, 0.3)]
MEDS = [0, 0, 0, 10, 20, 50, 100, 100, 200, 500, 1000, 5000]


def pick(rnd, table, k=1):
	return rnd.choices([v for v, _ in table], [w for _, w in table], k=k)


def asn_pool(rnd, n, taken):
	"""n distinct public ASNs (2- and 4-byte), none in taken."""
	out = []
	while len(out) < n:
		a = rnd.randrange(1, 64496) if rnd.random() < 0.6 else rnd.randrange(131072, 400000)
		if a in taken:
			continue
		taken.add(a)
		out.append(a)
	return out


def gen_prefixes4(rnd, n):
	seen = set()
	out = []
	lens = pick(rnd, LEN4, n + n // 8 + 16)
	i = 0
	while len(out) < n:
		if i == len(lens):
			lens += pick(rnd, LEN4, 1024)
		plen = lens[i]
		i += 1
		a = rnd.getrandbits(32) & ((0xffffffff << (32 - plen)) & 0xffffffff)
		top = a >> 24
		if top in (0, 10, 127) or top >= 224 or (a, plen) in seen:
			continue
		seen.add((a, plen))
		out.append((a, plen))
	return out


def gen_prefixes6(rnd, n):
	seen = set()
	out = []
	while len(out) < n:
		plen = pick(rnd, LEN6)[0]
		a = (0x2 << 125 | rnd.getrandbits(125)) >> (128 - plen) << (128 - plen)
		if a >> 96 == 0x20010db8 or (a, plen) in seen:	# not the documentation block
			continue
		seen.add((a, plen))
		out.append((a, plen))
	return out


class Origin:
	__slots__ = ('asn', 'paths', 'origin', 'comm', 'med', 'aggr', 'atomic', 'large', 'count')


def gen_origins(rnd, n_routes):
	"""The origin ASes with their path variants and attribute habits."""
	n_orig = max(20, n_routes * 72 // 1000)
	n_transit = max(10, n_orig // 25)
	taken = {SENDER_AS}
	transit = asn_pool(rnd, n_transit, taken)
	tw = [1.0 / (i + 3) ** 1.2 for i in range(n_transit)]	# big transits carry most
	origins_asn = asn_pool(rnd, n_orig, taken)
	# prefixes per origin: log-normal, scaled to n_routes
	raw = [rnd.lognormvariate(1.2, 1.45) for _ in range(n_orig)]
	scale = n_routes / sum(raw)
	origins = []
	for asn, r in zip(origins_asn, raw):
		o = Origin()
		o.asn = asn
		o.count = r * scale
		hops = pick(rnd, HOPS)[0]

		def path(h):
			mid = []
			for t in rnd.choices(transit, tw, k=max(0, h - 2) + 2):
				if t not in mid and len(mid) < h - 2:
					mid.append(t)
			p = [SENDER_AS] + mid
			if h >= 2:
				p.append(asn)
			return p
		p = path(hops)
		if hops >= 2 and rnd.random() < 0.10:	# the origin prepends itself
			p += [asn] * rnd.randint(1, 4)
		elif len(p) >= 3 and rnd.random() < 0.03:	# a transit prepends
			p.insert(2, p[1])
		paths = [p[:10]]
		if o.count >= 8 and rnd.random() < 0.5:		# traffic engineering
			q = list(p) + [asn] * rnd.randint(1, 3) if rnd.random() < 0.5 else path(
				max(2, hops + rnd.choice((-1, 0, 1))))
			paths.append(q[:10])
		o.paths = paths
		o.origin = pick(rnd, [(0, 85.0), (2, 13.0), (1, 2.0)])[0]
		o.med = rnd.choice(MEDS) if rnd.random() < 0.35 else None
		o.aggr = rnd.random() < 0.02
		o.atomic = o.aggr and rnd.random() < 0.5
		o.large = rnd.random() < 0.12
		# community habits: none, or the sender's ingress tags + the origin's
		o.comm = rnd.random() < 0.65
		origins.append(o)
	return origins


def attr_variant(rnd, o, k):
	"""The attribute set of one route of origin o (variant k of its habits)."""
	path = o.paths[0] if len(o.paths) == 1 or rnd.random() < 0.7 else o.paths[1]
	comms = ()
	if o.comm:
		ingress = (SENDER_AS << 16) | (1000 + (path[1] if len(path) > 1 else 0) % 40)
		region = (SENDER_AS << 16) | (2000 + o.asn % 12)
		own = [((o.asn & 0xffff) << 16) | (100 + 10 * j + k) for j in range(o.asn % 7)]
		comms = tuple(sorted({ingress, region, *own}))
	large = ()
	if o.large:
		large = ((SENDER_AS, 1, o.asn % 300), (o.asn, 100 + k, 1))
	med = o.med
	if med is not None and k:
		med += 10 * k
	return (o.origin, tuple(path), med, comms, large,
		(o.asn, 0x0a000000 | (o.asn & 0xffffff)) if o.aggr else None, o.atomic)


def assign(rnd, origins, prefixes):
	"""[(attr set, prefix)]: prefixes spread over origins by their counts;
	an origin with many prefixes splits them over a few attribute variants."""
	cum = []
	s = 0.0
	for o in origins:
		s += o.count
		cum.append(s)
	who = rnd.choices(range(len(origins)), cum_weights=cum, k=len(prefixes))
	out = []
	for p, i in zip(prefixes, who):
		o = origins[i]
		nvar = 1 + int(math.log2(1 + o.count) / 2.2)
		out.append((attr_variant(rnd, o, rnd.randrange(nvar)), p))
	return out


def attr(flags, code, body):
	if len(body) > 255:
		return struct.pack('!BBH', flags | 0x10, code, len(body)) + body
	return struct.pack('!BBB', flags, code, len(body)) + body


def encode_attrs(a, mp=None):
	origin, path, med, comms, large, aggr, atomic = a
	out = [attr(0x40, 1, bytes([origin]))]
	seg = b''
	for i in range(0, len(path), 255):
		chunk = path[i:i + 255]
		seg += struct.pack('!BB', 2, len(chunk)) + struct.pack('!%dI' % len(chunk), *chunk)
	out.append(attr(0x40, 2, seg))
	if mp is None:
		out.append(attr(0x40, 3, ipaddress.IPv4Address(NEXT_HOP4).packed))
	if med is not None:
		out.append(attr(0x80, 4, struct.pack('!I', med)))
	if atomic:
		out.append(attr(0x40, 6, b''))
	if aggr:
		out.append(attr(0xc0, 7, struct.pack('!II', *aggr)))
	if comms:
		out.append(attr(0xc0, 8, struct.pack('!%dI' % len(comms), *comms)))
	if mp is not None:
		out.append(mp)
	if large:
		out.append(attr(0xc0, 32, b''.join(struct.pack('!III', *c) for c in large)))
	return b''.join(out)


def nlri(addr, plen, width):
	nb = (plen + 7) // 8
	return bytes([plen]) + (addr >> (width - 8 * nb)).to_bytes(nb, 'big') if nb else bytes([plen])


def msg(body):
	return b'\xff' * 16 + struct.pack('!HB', 19 + len(body), 2) + body


def encode_updates(routes, v6):
	"""routes: [(attr set, (addr, plen))] of one family, grouped by attr set."""
	by = {}
	for a, p in routes:
		by.setdefault(a, []).append(p)
	out = []
	nh6 = ipaddress.IPv6Address(NEXT_HOP6).packed
	for a, ps in by.items():
		if not v6:
			pa = encode_attrs(a)
			room = MAX_MSG - 19 - 4 - len(pa)
			cur = []
			used = 0
			for addr, plen in ps:
				n = nlri(addr, plen, 32)
				if used + len(n) > room:
					out.append(msg(struct.pack('!HH', 0, len(pa)) + pa + b''.join(cur)))
					cur, used = [], 0
				cur.append(n)
				used += len(n)
			if cur:
				out.append(msg(struct.pack('!HH', 0, len(pa)) + pa + b''.join(cur)))
		else:
			base = len(encode_attrs(a, mp=b''))
			room = MAX_MSG - 19 - 4 - base - 4 - 5 - 16 - 1
			i = 0
			while i < len(ps):
				cur, used = [], 0
				while i < len(ps):
					n = nlri(ps[i][0], ps[i][1], 128)
					if used + len(n) > room:
						break
					cur.append(n)
					used += len(n)
					i += 1
				mp = attr(0x90, 14, struct.pack('!HBB', 2, 1, 16) + nh6 + b'\x00' +
					  b''.join(cur))
				pa = encode_attrs(a, mp=mp)
				out.append(msg(struct.pack('!HH', 0, len(pa)) + pa))
	return out


def eor(v6):
	if not v6:
		return msg(struct.pack('!HH', 0, 0))
	mp = attr(0x80, 15, struct.pack('!HB', 2, 1))
	return msg(struct.pack('!HH', 0, len(mp)) + mp)


def generate(n4, n6, seed, outdir):
	t = time.monotonic()
	rnd = random.Random(seed)
	p4 = gen_prefixes4(rnd, n4)
	p6 = gen_prefixes6(rnd, n6)
	origins = gen_origins(rnd, n4 + n6)
	r4 = assign(rnd, origins, p4)
	r6 = assign(rnd, origins, p6)
	# the order a sender walks its table in is its own: shuffle the groups
	keys = list(dict.fromkeys(a for a, _ in r4))
	rnd.shuffle(keys)
	rank = {a: i for i, a in enumerate(keys)}
	r4.sort(key=lambda r: rank[r[0]])
	m4 = encode_updates(r4, False)
	m6 = encode_updates(r6, True)
	os.makedirs(outdir, exist_ok=True)
	with open(os.path.join(outdir, 'updates.bin'), 'wb') as f:
		for m in m4:
			f.write(m)
		for m in m6:
			f.write(m)
		f.write(eor(False))
		if n6:
			f.write(eor(True))
	with open(os.path.join(outdir, 'prefixes4.txt'), 'w') as f:
		f.write(''.join('%s/%d\n' % (ipaddress.IPv4Address(a), l) for a, l in
				(p for _, p in r4)))
	with open(os.path.join(outdir, 'prefixes6.txt'), 'w') as f:
		f.write(''.join('%s/%d\n' % (ipaddress.IPv6Address(a), l) for a, l in
				(p for _, p in r6)))
	sets = set(a for a, _ in r4) | set(a for a, _ in r6)
	allr = r4 + r6
	st = {
		'seed': seed, 'routes4': n4, 'routes6': n6,
		'origin_as': len(set(a[1][-1] for a in sets)),
		'as_paths': len(set(a[1] for a in sets)),
		'attr_sets': len(sets),
		'updates': len(m4) + len(m6),
		'bytes': sum(map(len, m4)) + sum(map(len, m6)),
		'pct_len24': round(100.0 * sum(1 for _, p in r4 if p[1] == 24) / max(1, n4), 1),
		'pct_shorter16': round(100.0 * sum(1 for _, p in r4 if p[1] < 16) / max(1, n4), 1),
		'pct_communities': round(100.0 * sum(1 for a, _ in allr if a[3]) / len(allr), 1),
		'pct_large': round(100.0 * sum(1 for a, _ in allr if a[4]) / len(allr), 1),
		'pct_med': round(100.0 * sum(1 for a, _ in allr if a[2] is not None) / len(allr), 1),
		'pct_aggregator': round(100.0 * sum(1 for a, _ in allr if a[5]) / len(allr), 1),
		'pct_prepended': round(100.0 * sum(1 for a, _ in allr
						   if len(set(a[1])) < len(a[1])) / len(allr), 1),
		'max_path_len': max(len(a[1]) for a in sets),
		'seconds': round(time.monotonic() - t, 1),
	}
	per = {}
	for a, _ in allr:
		per[a[1][-1]] = per.get(a[1][-1], 0) + 1
	v = sorted(per.values())
	st['max_prefixes_per_origin'] = v[-1]
	st['median_prefixes_per_origin'] = v[len(v) // 2]
	with open(os.path.join(outdir, 'stats.txt'), 'w') as f:
		f.write(''.join('%s %s\n' % kv for kv in st.items()))
	return st


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('n4', type=int)
	ap.add_argument('--v6', type=int, default=0, help='IPv6 prefixes (default 0)')
	ap.add_argument('--seed', type=int, default=4271)
	ap.add_argument('--out', default='.')
	a = ap.parse_args()
	st = generate(a.n4, a.v6, a.seed, a.out)
	print(' '.join('%s=%s' % kv for kv in st.items()))
	return 0


if __name__ == '__main__':
	sys.exit(main())
