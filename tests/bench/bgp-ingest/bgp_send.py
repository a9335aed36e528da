#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""tests/bench/bgp-ingest/bgp_send.py - a raw BGP sender: pushes a pre-encoded table at line rate.

    bgp_send.py UPDATES [--as 65100] [--id 10.0.0.2] [--v6] [--port 179]
    bgp_send.py --sink HOST UPDATES   (a receiver that discards: the sender's line rate)

Listens (passive), takes one session: OPEN with the capabilities
multiprotocol IPv4 (and IPv6 with --v6) unicast, route refresh and 4-octet AS
(RFC 5492, 4760, 2918, 6793), hold time 240; once the peer's KEEPALIVE is in
(Established) prints "up T", writes UPDATES (gen_table.py's updates.bin,
End-of-RIB included) with one sendall, prints "sent T BYTES", then answers
with KEEPALIVEs every 30 s and discards what the peer sends until it closes.
T is CLOCK_MONOTONIC seconds (time.monotonic() of any process here).
With --sink it is the other end instead: connects, does the same OPEN
exchange, reads until as many bytes as UPDATES holds arrived and prints
"sink BYTES SECONDS" (from the first UPDATE byte).
"""

import argparse
import ipaddress
import socket
import struct
import sys
import time

MARKER = b'\xff' * 16


def open_msg(asn, rid, v6):
	caps = struct.pack('!BBHBB', 1, 4, 1, 0, 1)		# MP IPv4 unicast
	if v6:
		caps += struct.pack('!BBHBB', 1, 4, 2, 0, 1)
	caps += struct.pack('!BB', 2, 0)			# route refresh
	caps += struct.pack('!BBI', 65, 4, asn)			# 4-octet AS
	opt = struct.pack('!BB', 2, len(caps)) + caps
	body = struct.pack('!BHH4sB', 4, asn if asn < 65536 else 23456, 240,
			   ipaddress.IPv4Address(rid).packed, len(opt)) + opt
	return MARKER + struct.pack('!HB', 19 + len(body), 1) + body


KEEPALIVE = MARKER + struct.pack('!HB', 19, 4)


def read_msg(s, buf):
	"""(type, body, rest of buf) of the next message; raises EOFError."""
	while True:
		if len(buf) >= 19:
			ln = struct.unpack('!H', buf[16:18])[0]
			if len(buf) >= ln:
				return buf[18], buf[19:ln], buf[ln:]
		d = s.recv(65536)
		if not d:
			raise EOFError
		buf += d


def handshake(s, asn, rid, v6):
	s.sendall(open_msg(asn, rid, v6))
	buf = b''
	got_open = False
	while True:
		t, body, buf = read_msg(s, buf)
		if t == 1:
			got_open = True
			s.sendall(KEEPALIVE)
		elif t == 4 and got_open:
			return buf
		elif t == 3:
			raise RuntimeError('NOTIFICATION %d/%d' % (body[0], body[1]))


def serve(a, data):
	fam = socket.AF_INET6 if ':' in a.listen else socket.AF_INET
	ls = socket.socket(fam, socket.SOCK_STREAM)
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind((a.listen, a.port))
	ls.listen(1)
	print('listening', flush=True)
	s, _ = ls.accept()
	ls.close()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
	handshake(s, a.asn, a.id, a.v6)
	print('up %.6f' % time.monotonic(), flush=True)
	s.sendall(data)
	print('sent %.6f %d' % (time.monotonic(), len(data)), flush=True)
	s.settimeout(30)
	while True:
		try:
			if not s.recv(65536):
				break
		except socket.timeout:
			pass
		except OSError:		# reset by a receiver that stopped
			break
		try:
			s.sendall(KEEPALIVE)
		except OSError:
			break
	return 0


def sink(a, data):
	s = socket.create_connection((a.sink, a.port))
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
	rest = handshake(s, 65010, '10.0.0.1', a.v6)
	got = len(rest)
	t0 = None
	buf = bytearray(1 << 20)
	while got < len(data):
		n = s.recv_into(buf)
		if not n:
			break
		if t0 is None:
			t0 = time.monotonic()
		got += n
	print('sink %d %.6f' % (got, time.monotonic() - (t0 or time.monotonic())), flush=True)
	s.close()
	return 0 if got >= len(data) else 1


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('updates')
	ap.add_argument('--as', dest='asn', type=int, default=65100)
	ap.add_argument('--id', default='10.0.0.2')
	ap.add_argument('--listen', default='0.0.0.0')
	ap.add_argument('--port', type=int, default=179)
	ap.add_argument('--v6', action='store_true')
	ap.add_argument('--sink')
	a = ap.parse_args()
	with open(a.updates, 'rb') as f:
		data = f.read()
	return sink(a, data) if a.sink else serve(a, data)


if __name__ == '__main__':
	sys.exit(main())
