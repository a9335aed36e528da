# SPDX-License-Identifier: ISC
"""tests/interop/test_bgp_malformed.py - crafted UPDATEs from a raw Python BGP
speaker (tests/interop/bgp_helpers.RawSpeaker) in the peer namespace:
RFC 7606 error handling keeps the session up and treats the routes as
withdrawn; a message header error still resets the session (RFC 4271 6.1)."""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bgp_helpers as H  # noqa: E402
from bgp_helpers import attr, std_attrs, update  # noqa: E402
from hgwlab.fixtures import *  # noqa: F401,F403,E402

P1, P2 = '192.0.2.0/24', '198.51.100.0/24'


def _up(netns, workdir, hgwd):
	gw, pe = H.link(netns)
	d = hgwd(gw, H.gw_config(os.path.join(workdir, 'gw.xml'), hold=60, passive=True))
	s = H.RawSpeaker(pe).connect().open()
	H.wait_state(d)
	return d, s


def _announce_good(d, s):
	s.send(update(attrs=std_attrs(), nlri=[P1, P2]))
	H.wait_routes(d, lambda r: {P1, P2} <= set(r), what='good routes')


def _still_up(d, s):
	s.keepalive()
	time.sleep(0.3)
	assert H.state(d) == 'established'
	t, _ = s.recv(0.2)
	assert t != 3, 'we sent a NOTIFICATION'


CASES = {
	# RFC 7606 7.1: ORIGIN with an undefined value
	'bad_origin': std_attrs(origin=7),
	# RFC 7606 7.4: MED of the wrong length
	'med_length': std_attrs() + attr(0x80, 4, b'\x00\x00\x01'),
	# RFC 7606 7.2: AS_PATH segment claims more ASes than there are
	'aspath_overrun': (attr(0x40, 1, b'\x00') +
			   attr(0x40, 2, struct.pack('!BBI', 2, 3, 65002)) +
			   attr(0x40, 3, bytes([10, 0, 0, 2]))),
	# RFC 7606 3.d: NEXT_HOP missing while NLRI is present
	'missing_nexthop': attr(0x40, 1, b'\x00') + attr(0x40, 2, struct.pack('!BBI', 2, 1, 65002)),
	# RFC 7606 7.3: NEXT_HOP of the wrong length
	'nexthop_length': (attr(0x40, 1, b'\x00') + attr(0x40, 2, struct.pack('!BBI', 2, 1, 65002)) +
			   attr(0x40, 3, b'\x0a\x00\x00')),
	# RFC 7606 5.3 / 7.8: COMMUNITIES length not a multiple of 4
	'community_length': std_attrs() + attr(0xc0, 8, b'\x00\x01\x02'),
}


def _case(netns, workdir, hgwd, name):
	d, s = _up(netns, workdir, hgwd)
	_announce_good(d, s)
	s.send(update(attrs=CASES[name], nlri=[P1]))
	H.wait_routes(d, lambda r: P1 not in r and P2 in r, what='%s treated as withdraw' % name)
	_still_up(d, s)
	# the session still works: the prefix comes back with good attributes
	s.send(update(attrs=std_attrs(), nlri=[P1]))
	H.wait_routes(d, lambda r: P1 in r, what='re-announcement after %s' % name)
	assert H.neighbor(d)['flaps'] == 0
	s.close()


def test_bad_origin(netns, workdir, hgwd):
	_case(netns, workdir, hgwd, 'bad_origin')


def test_med_length(netns, workdir, hgwd):
	_case(netns, workdir, hgwd, 'med_length')


def test_aspath_overrun(netns, workdir, hgwd):
	_case(netns, workdir, hgwd, 'aspath_overrun')


def test_missing_nexthop(netns, workdir, hgwd):
	_case(netns, workdir, hgwd, 'missing_nexthop')


def test_nexthop_length(netns, workdir, hgwd):
	_case(netns, workdir, hgwd, 'nexthop_length')


def test_community_length(netns, workdir, hgwd):
	_case(netns, workdir, hgwd, 'community_length')


def test_unknown_optional_attribute_ignored(netns, workdir, hgwd):
	d, s = _up(netns, workdir, hgwd)
	# optional non-transitive type 0xfe: quietly ignored (RFC 4271 5)
	s.send(update(attrs=std_attrs() + attr(0x80, 0xfe, b'\x01\x02'), nlri=[P1]))
	r = H.wait_routes(d, lambda r: P1 in r)
	assert r[P1]['accepted'] is True
	_still_up(d, s)


def test_withdraw_only_and_eor(netns, workdir, hgwd):
	d, s = _up(netns, workdir, hgwd)
	_announce_good(d, s)
	s.send(update(withdrawn=[P2]))
	H.wait_routes(d, lambda r: P2 not in r and P1 in r, what='plain withdrawal')
	s.send(update())		# End-of-RIB (RFC 4724 2)
	_still_up(d, s)


def test_header_length_error_resets(netns, workdir, hgwd):
	"""Not an UPDATE error: a bad message length is a header error, 1/2 and reset."""
	d, s = _up(netns, workdir, hgwd)
	_announce_good(d, s)
	s.send(b'\xff' * 16 + struct.pack('!HB', 5000, 2) + b'\x00' * 64)
	t, body = s.recv_until(3)
	assert body[0] == 1 and body[1] == 2, body
	H.wait_routes(d, lambda r: not r, what='routes gone with the session')
	assert H.state(d) != 'established'
