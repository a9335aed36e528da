#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""tests/fuzz/make_seeds.py - writes the committed seed corpora of the BGP and
BFD harnesses (tests/fuzz/corpus/<harness>/): small valid messages and edge
cases built from the RFCs' formats, so the seeds can be read and regenerated.
Run from anywhere: python3 tests/fuzz/make_seeds.py"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def attr(flags, code, value):
	if len(value) > 255:
		return struct.pack('!BBH', flags | 0x10, code, len(value)) + value
	return struct.pack('!BBB', flags, code, len(value)) + value


def nlri(*ps):
	out = b''
	for a, l in ps:
		out += bytes([l]) + bytes(a)[:(l + 7) // 8]
	return out


def aspath4(*asns, seg=2):
	return struct.pack('!BB', seg, len(asns)) + b''.join(struct.pack('!I', a) for a in asns)


def aspath2(*asns, seg=2):
	return struct.pack('!BB', seg, len(asns)) + b''.join(struct.pack('!H', a) for a in asns)


ORIGIN = attr(0x40, 1, b'\x00')
NH = attr(0x40, 3, bytes([10, 0, 0, 2]))
BASE4 = ORIGIN + attr(0x40, 2, aspath4(65001)) + NH
BASE2 = ORIGIN + attr(0x40, 2, aspath2(65001)) + NH
V6NH = bytes.fromhex('20010db8000000000000000000000002')
V6LL = bytes.fromhex('fe800000000000000000000000000002')


def mp_reach6(nh, *ps):
	body = struct.pack('!HBB', 2, 1, len(nh)) + nh + b'\x00'
	for a, l in ps:
		body += bytes([l]) + bytes(a)[:(l + 7) // 8]
	return attr(0x80, 14, body)


def mp_unreach6(*ps):
	body = struct.pack('!HB', 2, 1)
	for a, l in ps:
		body += bytes([l]) + bytes(a)[:(l + 7) // 8]
	return attr(0x80, 15, body)


def update_body(wd=b'', attrs=b'', nl=b''):
	return struct.pack('!H', len(wd)) + wd + struct.pack('!H', len(attrs)) + attrs + nl


def hdr(t, body):
	return b'\xff' * 16 + struct.pack('!HB', 19 + len(body), t) + body


P1 = ([192, 0, 2, 0], 24)
P2 = ([10, 0, 0, 0], 8)
P0 = ([0, 0, 0, 0], 0)
Q1 = (list(bytes.fromhex('20010db8000a' + '00' * 10)), 48)


def caps(*cs):
	body = b''.join(struct.pack('!BB', c, len(v)) + v for c, v in cs)
	return struct.pack('!BB', 2, len(body)) + body


CAP_MP4 = (1, b'\x00\x01\x00\x01')
CAP_MP6 = (1, b'\x00\x02\x00\x01')
CAP_RR = (2, b'')
CAP_AS4 = (65, struct.pack('!I', 4200000001))
CAP_GR = (64, struct.pack('!HHBB', 0x8078, 1, 1, 0x80))
CAP_EXT = (6, b'')


def open_body(asn=65001, hold=90, bgpid=0x0a000002, params=b''):
	return struct.pack('!BHHIB', 4, asn, hold, bgpid, len(params)) + params


def bfd(state=3, flags=0, mult=3, mydisc=1, yourdisc=2, tx=50000, rx=50000, echo=0, auth=b''):
	"""RFC 5880 4.1; flags are P F C A D M bits (0x20 P ... 0x01 M)."""
	length = 24 + len(auth)
	if auth:
		flags |= 0x04
	return struct.pack('!BBBBIIIII', (1 << 5) | 0, (state << 6) | flags, mult, length,
			   mydisc, yourdisc, tx, rx, echo) + auth


SEEDS = {
	'fuzz_bgp_update': {	# first octet: bit0 as4, bit1 ebgp, bit2 no v6, bit3 first-as
		'v4_announce': b'\x0b' + update_body(attrs=BASE4, nl=nlri(P1, P2)),
		'v4_withdraw': b'\x0b' + update_body(wd=nlri(P1)),
		'v4_eor': b'\x0b' + update_body(),
		'v6_announce': b'\x0b' + update_body(attrs=ORIGIN + attr(0x40, 2, aspath4(65001)) +
						     mp_reach6(V6NH + V6LL, Q1)),
		'v6_withdraw': b'\x0b' + update_body(attrs=mp_unreach6(Q1)),
		'v6_eor': b'\x0b' + update_body(attrs=mp_unreach6()),
		'as2_path': b'\x02' + update_body(attrs=BASE2, nl=nlri(P1)),
		'default_route': b'\x0b' + update_body(attrs=BASE4, nl=nlri(P0)),
		'communities': b'\x0b' + update_body(attrs=BASE4 + attr(0xc0, 8, b'\xff\xff\xff\x01' +
						     b'\xfd\xe9\x00\x64') + attr(0xc0, 32, b'\x00' * 12),
						     nl=nlri(P1)),
		'bad_origin': b'\x0b' + update_body(attrs=attr(0x40, 1, b'\x07') +
						    attr(0x40, 2, aspath4(65001)) + NH, nl=nlri(P1)),
		'nlri_33': b'\x0b' + update_body(attrs=BASE4, nl=b'\x21\x0a\x01\x01\x01\x00'),
		'attr_overrun': b'\x0b' + update_body(attrs=BASE4 + b'\xc0\x08\x0a\xff'),
	},
	'fuzz_bgp_attr': {	# first octet: bit0 as4, bit1 NLRI present
		'base': b'\x03' + BASE4,
		'base_as2': b'\x02' + BASE2,
		'all_known': b'\x03' + BASE4 + attr(0x80, 4, b'\x00\x00\x00\x64') +
			attr(0x40, 5, b'\x00\x00\x00\xc8') + attr(0x40, 6, b'') +
			attr(0xc0, 7, struct.pack('!II', 65001, 0x0a000001)) +
			attr(0xc0, 8, b'\xff\xff\xff\x02') + attr(0x80, 9, b'\x0a\x00\x00\x09') +
			attr(0x80, 10, b'\x0a\x00\x00\x01') + attr(0xc0, 16, b'\x00\x02\xfd\xe9\x00\x00\x00\x64') +
			attr(0xc0, 32, struct.pack('!III', 65001, 1, 2)),
		'as4_path': b'\x02' + ORIGIN + attr(0x40, 2, aspath2(65001, 23456)) + NH +
			attr(0xc0, 17, aspath4(65001, 4200000001)),
		'as4_aggregator': b'\x02' + BASE2 + attr(0xc0, 7, struct.pack('!HI', 23456, 1)) +
			attr(0xc0, 18, struct.pack('!II', 4200000001, 1)),
		'confed': b'\x03' + ORIGIN + attr(0x40, 2, aspath4(65100, seg=3) + aspath4(65001)) + NH,
		'as_set': b'\x03' + ORIGIN + attr(0x40, 2, aspath4(65001) + aspath4(1, 2, seg=1)) + NH,
		'unknown_transitive': b'\x03' + BASE4 + attr(0xc0, 0x63, b'\xab\xcd'),
		'extended_length': b'\x03' + BASE4 + struct.pack('!BBH', 0xd0, 8, 4) + b'\xff\xff\xff\x01',
		'mp_reach': b'\x01' + ORIGIN + attr(0x40, 2, aspath4(65001)) + mp_reach6(V6NH, Q1),
		'dup_origin': b'\x03' + BASE4 + ORIGIN,
		'no_attrs': b'\x00',
	},
	'fuzz_bgp_hdr': {	# first octet: bit0 extended messages
		'keepalive': b'\x00' + hdr(4, b''),
		'two_msgs': b'\x00' + hdr(4, b'') + hdr(2, update_body()),
		'open': b'\x00' + hdr(1, open_body()),
		'ext_update': b'\x01' + hdr(2, update_body(attrs=BASE4 + attr(0xc0, 8, b'\x00' * 4800),
							   nl=nlri(P1))),
		'bad_marker': b'\x00' + b'\xfe' + b'\xff' * 15 + struct.pack('!HB', 19, 4),
		'short_len': b'\x00' + b'\xff' * 16 + struct.pack('!HB', 18, 4),
		'partial': b'\x00' + hdr(4, b'')[:10],
	},
	'fuzz_bgp_open': {
		'minimal': open_body(),
		'caps_mp_as4': open_body(asn=23456, params=caps(CAP_MP4, CAP_MP6, CAP_AS4)),
		'caps_all': open_body(params=caps(CAP_MP4, CAP_MP6, CAP_RR, CAP_AS4, CAP_GR, CAP_EXT,
						  (128, b''), (70, b''))),
		'hold_zero': open_body(hold=0, params=caps(CAP_MP4)),
		'hold_one': open_body(hold=1),
		'version3': b'\x03' + open_body()[1:],
		'opt_nocap': open_body(params=b'\x01\x02\xab\xcd'),
		# RFC 9072 extended optional parameters length
		'ext_params': struct.pack('!BHHIBBH', 4, 65001, 90, 0x0a000002, 255, 255, 10) +
			struct.pack('!BH', 2, 7) + struct.pack('!BB', 1, 4) + b'\x00\x01\x00\x01' + b'\x00',
	},
	'fuzz_bgp_rr': {
		'ipv4': struct.pack('!HBB', 1, 0, 1),
		'ipv6': struct.pack('!HBB', 2, 0, 1),
		'borr': struct.pack('!HBB', 1, 1, 1),
		'eorr': struct.pack('!HBB', 1, 2, 1),
		'short': b'\x00\x01\x00',
		'long': struct.pack('!HBB', 1, 0, 1) + b'\x00',
	},
	'fuzz_bgp_notify': {
		'cease_admin_shutdown': bytes([6, 2, 5]) + b'maint',
		'cease_maxpfx': bytes([6, 1]) + struct.pack('!HBI', 1, 1, 1000),
		'hold_expired': bytes([4, 0]),
		'update_error_data': bytes([3, 1]) + b'\x00\x05',
		'header_error': bytes([1, 2]) + b'\x10\x00',
		'shutdown_len_over': bytes([6, 4, 200]) + b'x' * 10,
		'short': bytes([6]),
	},
	'fuzz_failover_bfd': {
		'up': bfd(),
		'down': bfd(state=1, yourdisc=0),
		'init': bfd(state=2),
		'admin_down': bfd(state=0, flags=0),
		'poll': bfd(flags=0x20),
		'final': bfd(flags=0x10),
		'demand': bfd(flags=0x02),
		'mult_zero': bfd(mult=0),
		# RFC 5880 4.4: keyed SHA1, key id 1, seq 7, 20-octet hash
		'auth_sha1': bfd(auth=struct.pack('!BBBBI', 4, 28, 1, 0, 7) + b'\x00' * 20),
		# RFC 5880 4.2: simple password
		'auth_simple': bfd(auth=struct.pack('!BBB', 1, 7, 1) + b'pass'),
		'short': bfd()[:23],
	},
}


def main():
	for harness, seeds in SEEDS.items():
		d = os.path.join(HERE, 'corpus', harness)
		os.makedirs(d, exist_ok=True)
		for name, data in seeds.items():
			with open(os.path.join(d, name), 'wb') as f:
				f.write(data)
	print('wrote %d seeds for %d harnesses' % (sum(len(s) for s in SEEDS.values()), len(SEEDS)))


if __name__ == '__main__':
	main()
