# SPDX-License-Identifier: ISC
"""tests/interop/test_bgp_nexthop_self.py - RFC 4271 6.3 against a raw sender:
a route whose NEXT_HOP (IPv4, or an MP_REACH global or link-local next hop)
is one of the gateway's own addresses is ignored - no NOTIFICATION, not in
the kernel, not re-advertised, shown as not accepted - including for an
address added to the gateway after the session came up."""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bgp_helpers as H  # noqa: E402
from bgp_helpers import attr, mp_reach6, std_attrs, update  # noqa: E402
from hgwlab import util  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

P1, P2, P3 = '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'
V6A, V6B, V6C = '2001:db8:a::/48', '2001:db8:b::/48', '2001:db8:c::/48'
# a second connected subnet, so third-party next hops resolve in the kernel
GW_X, PE_X, THIRD = '10.0.9.1', '10.0.9.2', '10.0.9.5'
# the LAN side, where circuit routes are re-advertised
GW_L, PE_L = '10.0.8.1', '10.0.8.2'


def _up(netns, workdir, hgwd):
	gw, pe = H.link(netns)
	gw.run(['ip', 'addr', 'add', GW_X + '/24', 'dev', 'gw0'])
	pe.run(['ip', 'addr', 'add', PE_X + '/24', 'dev', 'pe0'])
	gw.run(['ip', 'addr', 'add', GW_L + '/24', 'dev', 'gw0'])
	pe.run(['ip', 'addr', 'add', PE_L + '/24', 'dev', 'pe0'])
	cfg = H.gw_config(os.path.join(workdir, 'gw.xml'), hold=60, passive=True,
			  lan_peers=[(GW_L, PE_L, H.GW_AS)])
	d = hgwd(gw, cfg)
	s = H.RawSpeaker(pe).connect().open(ipv6=True)
	lan = H.RawSpeaker(pe, gw=GW_L, asn=H.GW_AS, router_id=PE_L).connect().open()
	H.wait_state(d)
	H.wait_state(d, addr=PE_L)
	return gw, pe, d, s, lan


def _kernel(gw, family='-4'):
	return {r['dst'] for r in gw.routes(proto=196, family=family)}


def _accepted(r, p):
	return p in r and r[p]['accepted'] is True


def _ignored(r, p):
	return p in r and r[p]['accepted'] is False


def _advertised(lan, seconds):
	"""IPv4 prefixes the LAN peer was sent in the next `seconds` (announced
	minus withdrawn, in order), answering keepalives meanwhile."""
	got = set()
	end = time.monotonic() + seconds
	while time.monotonic() < end:
		t, body = lan.recv(0.2)
		lan.keepalive()
		if t != 2:
			continue
		wl = struct.unpack('!H', body[:2])[0]
		al = struct.unpack('!H', body[2 + wl:4 + wl])[0]
		for field, add in ((body[2:2 + wl], False), (body[4 + wl + al:], True)):
			i = 0
			while i < len(field):
				ln = field[i]
				nb = (ln + 7) // 8
				a = socket.inet_ntoa(field[i + 1:i + 1 + nb] + b'\0' * (4 - nb))
				p = '%s/%d' % (a, ln)
				(got.add if add else got.discard)(p)
				i += 1 + nb
	return got


def _still_up(d, s):
	s.keepalive()
	t, _ = s.recv(0.5)
	assert t != 3, 'the gateway sent a NOTIFICATION'
	assert H.state(d) == 'established'
	assert H.neighbor(d)['flaps'] == 0


def test_ipv4_nexthop_self(netns, workdir, hgwd):
	gw, pe, d, s, lan = _up(netns, workdir, hgwd)
	s.send(update(attrs=std_attrs(nexthop=H.GW4), nlri=[P1]))	# our address on the link
	s.send(update(attrs=std_attrs(nexthop=GW_L), nlri=[P3]))	# another of ours
	s.send(update(attrs=std_attrs(), nlri=[P2]))
	r = H.wait_routes(d, lambda r: _accepted(r, P2) and _ignored(r, P1) and _ignored(r, P3),
			  what='P1, P3 received, not accepted')
	n = H.neighbor(d)
	assert n['counters']['prefixes-received'] == 3, n
	assert n['counters']['prefixes-accepted'] == 1, n
	util.wait_for(lambda: P2 in _kernel(gw), 10, 0.1, 'P2 in the kernel')
	adv = _advertised(lan, 1.5)
	assert P2 in adv and P1 not in adv and P3 not in adv, adv
	assert P1 not in _kernel(gw) and P3 not in _kernel(gw)
	_still_up(d, s)
	assert 'RFC 4271 6.3' in open(d.log).read()
	# the same prefix with a good next hop is accepted (replaces the ignored one)
	s.send(update(attrs=std_attrs(), nlri=[P1]))
	H.wait_routes(d, lambda r: _accepted(r, P1), what='P1 accepted')
	util.wait_for(lambda: P1 in _kernel(gw), 10, 0.1, 'P1 in the kernel')
	assert not d.sanitizer_errors()


def test_address_added_after_session_up(netns, workdir, hgwd):
	gw, pe, d, s, lan = _up(netns, workdir, hgwd)
	s.send(update(attrs=std_attrs(nexthop=THIRD), nlri=[P1]))
	s.send(update(attrs=std_attrs(), nlri=[P2]))
	H.wait_routes(d, lambda r: _accepted(r, P1) and _accepted(r, P2))
	util.wait_for(lambda: {P1, P2} <= _kernel(gw), 10, 0.1, 'P1, P2 in the kernel')
	util.wait_for(lambda: P1 in _advertised(lan, 0.5), 10, 0.1, 'P1 advertised to the LAN')
	# the third-party next hop becomes an address of the gateway
	gw.run(['ip', 'addr', 'add', THIRD + '/32', 'dev', 'gw0'])
	H.wait_routes(d, lambda r: _ignored(r, P1) and _accepted(r, P2),
		      what='P1 ignored once its next hop is ours')
	util.wait_for(lambda: P1 not in _kernel(gw) and P2 in _kernel(gw), 10, 0.1,
		      'P1 out of the kernel')
	# a route announced now with that next hop is ignored from the start
	s.send(update(attrs=std_attrs(nexthop=THIRD), nlri=[P3]))
	H.wait_routes(d, lambda r: _ignored(r, P3), what='P3 ignored')
	adv = _advertised(lan, 1.5)
	assert P1 not in adv and P3 not in adv, adv
	_still_up(d, s)
	# the address goes: both are routes again, with no refresh from the peer
	gw.run(['ip', 'addr', 'del', THIRD + '/32', 'dev', 'gw0'])
	H.wait_routes(d, lambda r: _accepted(r, P1) and _accepted(r, P3),
		      what='P1, P3 accepted again')
	util.wait_for(lambda: {P1, P2, P3} <= _kernel(gw), 10, 0.1, 'all three in the kernel')
	_still_up(d, s)
	assert not d.sanitizer_errors()


def _ll(ns, dev):
	for line in ns.out(['ip', '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link']).split('\n'):
		f = line.split()
		if 'inet6' in f:
			return f[f.index('inet6') + 1].split('/')[0]
	raise AssertionError('no link-local address on ' + dev)


def test_ipv6_nexthop_self(netns, workdir, hgwd):
	gw, pe, d, s, lan = _up(netns, workdir, hgwd)
	gw_ll, pe_ll = _ll(gw, 'gw0'), _ll(pe, 'pe0')
	base = attr(0x40, 1, b'\x00') + attr(0x40, 2, struct.pack('!BBI', 2, 1, H.PEER_AS))
	s.send(update(attrs=base + mp_reach6([H.GW6], [V6A])))		# our global address
	s.send(update(attrs=base + mp_reach6([H.PEER6, gw_ll], [V6B])))	# our link-local one
	s.send(update(attrs=base + mp_reach6([H.PEER6, pe_ll], [V6C])))	# the peer's: good
	r = H.wait_routes(d, lambda r: _ignored(r, V6A) and _ignored(r, V6B) and _accepted(r, V6C),
			  what='IPv6 next hops checked')
	util.wait_for(lambda: V6C in _kernel(gw, '-6'), 10, 0.1, 'V6C in the kernel')
	k = _kernel(gw, '-6')
	assert V6A not in k and V6B not in k, k
	_still_up(d, s)
	# a global address added later
	gw.run(['ip', 'addr', 'add', '2001:db8::77/128', 'dev', 'gw0', 'nodad'])
	time.sleep(0.3)
	s.send(update(attrs=base + mp_reach6(['2001:db8::77'], [V6C])))
	H.wait_routes(d, lambda r: _ignored(r, V6C), what='V6C ignored (next hop added later)')
	util.wait_for(lambda: V6C not in _kernel(gw, '-6'), 10, 0.1, 'V6C out of the kernel')
	_still_up(d, s)
	assert not d.sanitizer_errors()
