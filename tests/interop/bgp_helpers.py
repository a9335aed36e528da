# SPDX-License-Identifier: ISC
"""tests/interop/bgp_helpers.py - shared helpers for the BGP interop tests:
a gateway namespace and a peer namespace joined by a dual-stack veth, gateway
configs (circuit link / LAN peer), peer configs for FRR, BIRD, GoBGP and
ExaBGP, hybridgwctl state accessors, and a raw Python BGP speaker for crafted
(malformed) UPDATEs. Built on tests/lib/hgwlab (netns, processes, fixtures).

Addresses: gateway 10.0.0.1/30 + 2001:db8::1/64 (AS 65001, router id
10.0.0.1); peer 10.0.0.2/30 + 2001:db8::2/64 (AS 65002)."""

import os
import socket
import struct
import sys
import time
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

from hgwlab import util  # noqa: E402
from hgwlab.netns import veth  # noqa: E402,F401

GW4, PEER4 = '10.0.0.1', '10.0.0.2'
GW6, PEER6 = '2001:db8::1', '2001:db8::2'
GW_AS, PEER_AS = 65001, 65002


def link(netns, gw_if='gw0', peer_if='pe0'):
	"""(gw, peer) namespaces with one dual-stack veth between them (no DAD)."""
	gw, peer = netns('gw'), netns('pe')
	veth(gw, gw_if, peer, peer_if, GW4 + '/30', PEER4 + '/30')
	gw.run(['ip', 'addr', 'add', GW6 + '/64', 'dev', gw_if, 'nodad'])
	peer.run(['ip', 'addr', 'add', PEER6 + '/64', 'dev', peer_if, 'nodad'])
	return gw, peer


# ---------------------------------------------------------------- gateway

def _bgp_xml(peer_addr=PEER4, peer_as=PEER_AS, hold=9, connect_retry=1, md5=None,
	     passive=False, gr=True, max_prefix=None, max_action='teardown',
	     max_restart=None, ttl_security=None, local_as=None, adv_interval=0):
	x = ['<peer-address>%s</peer-address>' % peer_addr,
	     '<peer-as>%d</peer-as>' % peer_as,
	     '<hold-time>%d</hold-time>' % hold,
	     '<connect-retry>%d</connect-retry>' % connect_retry,
	     '<graceful-restart>%s</graceful-restart>' % ('true' if gr else 'false'),
	     '<advertisement-interval>%d</advertisement-interval>' % adv_interval]
	if local_as:
		x.append('<local-as>%d</local-as>' % local_as)
	if passive:
		x.append('<passive>true</passive>')
	if md5:
		x.append('<md5-key>%s</md5-key>' % escape(md5))
	if ttl_security:
		x.append('<ttl-security>%d</ttl-security>' % ttl_security)
	if max_prefix:
		m = '<limit>%d</limit><action>%s</action>' % (max_prefix, max_action)
		if max_restart:
			m += '<restart-time>%d</restart-time>' % max_restart
		x.append('<max-prefix>%s</max-prefix>' % m)
	return '\n'.join(x)


def gw_config(path, kind='circuit', local_prefixes=(), asn=GW_AS, router_id=GW4,
	      interface='gw0', local_addr=GW4, lan_peers=(), **bgp):
	"""Write a gateway config with one BGP session to the peer, as a circuit
	link (kind='circuit': our local prefixes are advertised to it) or a LAN
	peer (kind='lan'). bgp: see _bgp_xml. lan_peers: more LAN peers as
	(local address, peer address, peer AS). Returns path."""
	b = _bgp_xml(**bgp)
	lp = ''.join('<local-prefix>%s</local-prefix>' % p for p in local_prefixes)
	for i, (la, pa, pas) in enumerate(lan_peers):
		lp = ('<peer><name>lan%d</name><local-address>%s</local-address><bgp>%s</bgp></peer>'
		      % (i, la, _bgp_xml(peer_addr=pa, peer_as=pas))) + lp
	if kind == 'circuit':
		body = '''<circuit><name>er1</name>
  <link><name>primary</name><interface>%s</interface><local-address>%s</local-address>
    <bgp>%s</bgp></link></circuit>
  <lan>%s</lan>''' % (interface, local_addr, b, lp)
	else:
		body = '''<lan><peer><name>core</name><local-address>%s</local-address>
    <bgp>%s</bgp></peer>%s</lan>''' % (local_addr, b, lp)
	with open(path, 'w') as f:
		f.write('''<gateway xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw">
  <router-id>%s</router-id>
  <as>%d</as>
  %s
</gateway>
''' % (router_id, asn, body))
	return path


def neighbor(d, addr=PEER4):
	"""The neighbor entry of `show bgp --json` (None when absent)."""
	doc = d.ctl(['show', 'bgp'])
	for n in doc.get('hybridgw:gateway-state', {}).get('bgp', {}).get('neighbor', []):
		if n.get('address') == addr:
			return n
	return None


def state(d, addr=PEER4):
	n = neighbor(d, addr)
	return n.get('state') if n else None


def routes(d, addr=PEER4, direction='received'):
	"""{prefix: route dict} from `show bgp neighbor ADDR received|advertised --json`."""
	doc = d.ctl(['show', 'bgp', 'neighbor', addr, direction])
	res = {}
	for n in doc.get('hybridgw:gateway-state', {}).get('bgp', {}).get('neighbor', []):
		if n.get('address') != addr:
			continue
		for r in n.get('route', []):
			if r.get('direction', direction) == direction:
				res[r['prefix']] = r
	return res


def wait_state(d, want='established', addr=PEER4, timeout=20):
	return util.wait_for(lambda: state(d, addr) == want, timeout, 0.1,
			     'hybridgwd neighbor %s %s' % (addr, want))


def wait_routes(d, pred, addr=PEER4, direction='received', timeout=15, what=None):
	"""Wait until pred(routes dict) is true; returns the routes."""
	box = {}

	def ok():
		box['r'] = routes(d, addr, direction)
		return pred(box['r'])
	util.wait_for(ok, timeout, 0.1, what or 'routes %s from %s' % (direction, addr))
	return box['r']


def last_error(d, addr=PEER4):
	n = neighbor(d, addr) or {}
	return n.get('last-error', '')


# ---------------------------------------------------------------- peers

def frr_conf(networks4=(), networks6=(), extra_global='', extra_neighbor='',
	     peer=GW4, peer_as=GW_AS, asn=PEER_AS, router_id=PEER4, v6=True):
	"""FRR bgpd config for the peer side: one session to the gateway (IPv4
	transport, IPv4 and IPv6 unicast), fast timers per the notes."""
	n4 = ''.join('  network %s\n' % p for p in networks4)
	n6 = ''.join('  network %s\n' % p for p in networks6)
	nb = ''.join(' neighbor %s %s\n' % (peer, l.strip())
		     for l in extra_neighbor.splitlines() if l.strip())
	v6af = ''
	if v6:
		# bgpd without zebra knows no IPv6 address of its own for an IPv4
		# session (it would send ::ffff:10.0.0.2): set the next hop
		v6af = ''' address-family ipv6 unicast
%s  neighbor %s activate
  neighbor %s route-map NH6 out
 exit-address-family
!
route-map NH6 permit 10
 set ipv6 next-hop global %s
''' % (n6, peer, peer, PEER6)
	return '''frr defaults traditional
hostname pe
log file $DIR/bgpd.log debugging
!
router bgp %d
 bgp router-id %s
 no bgp ebgp-requires-policy
 no bgp network import-check
 coalesce-time 50
%s neighbor %s remote-as %d
 neighbor %s timers 3 9
 neighbor %s timers connect 1
 neighbor %s advertisement-interval 0
%s address-family ipv4 unicast
%s exit-address-family
%s!
''' % (asn, router_id, extra_global, peer, peer_as, peer, peer, peer, nb, n4, v6af)


def frr_routes(f, afi='ipv4'):
	"""{prefix: [paths]} of FRR's BGP table for afi."""
	return f.vtysh_json('show bgp %s unicast json' % afi).get('routes', {})


def frr_neighbor(f, addr=GW4):
	return f.vtysh_json('show bgp neighbors %s json' % addr).get(addr, {})


def bird_conf(routes4=(), routes6=(), peer=GW4, peer_as=GW_AS, asn=PEER_AS,
	      local=PEER4, router_id=PEER4):
	s4 = ''.join('  route %s blackhole;\n' % p for p in routes4)
	s6 = ''.join('  route %s blackhole;\n' % p for p in routes6)
	return '''router id %s;
log "$DIR/bird.log" all;
protocol device { }
ipv4 table t4;
ipv6 table t6;
protocol static s4 { ipv4 { table t4; };
%s}
protocol static s6 { ipv6 { table t6; };
%s}
protocol bgp gwpeer {
  local %s as %d;
  neighbor %s as %d;
  hold time 9; connect retry time 1; connect delay time 1; error wait time 1, 2;
  ipv4 { table t4; import all; export all; next hop self; };
  ipv6 { table t6; import all; export all; next hop self; };
}
''' % (router_id, s4, s6, local, asn, peer, peer_as)


def gobgp_conf(peer=GW4, peer_as=GW_AS, asn=PEER_AS, router_id=PEER4):
	return '''[global.config]
  as = %d
  router-id = "%s"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "%s"
    peer-as = %d
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
''' % (asn, router_id, peer, peer_as)


# ------------------------------------------------- raw BGP speaker (crafting)

def _hdr(mtype, body):
	return b'\xff' * 16 + struct.pack('!HB', 19 + len(body), mtype) + body


def attr(flags, code, value):
	if len(value) > 255:
		return struct.pack('!BBH', flags | 0x10, code, len(value)) + value
	return struct.pack('!BBB', flags, code, len(value)) + value


def nlri4(prefixes):
	out = b''
	for p in prefixes:
		a, l = p.split('/')
		l = int(l)
		out += bytes([l]) + socket.inet_aton(a)[:(l + 7) // 8]
	return out


def std_attrs(asn=PEER_AS, nexthop=PEER4, origin=0, path=None):
	"""ORIGIN, AS_PATH (4-octet ASNs), NEXT_HOP."""
	path = path if path is not None else [asn]
	aspath = (struct.pack('!BB', 2, len(path)) + b''.join(struct.pack('!I', x) for x in path)
		  if path else b'')
	return (attr(0x40, 1, bytes([origin])) + attr(0x40, 2, aspath) +
		attr(0x40, 3, socket.inet_aton(nexthop)))


def nlri6(prefixes):
	out = b''
	for p in prefixes:
		a, l = p.split('/')
		l = int(l)
		out += bytes([l]) + socket.inet_pton(socket.AF_INET6, a)[:(l + 7) // 8]
	return out


def mp_reach6(nexthops, prefixes):
	"""MP_REACH_NLRI for IPv6 unicast (RFC 4760 3): nexthops is (global,) or
	(global, link-local) (RFC 2545 3)."""
	nh = b''.join(socket.inet_pton(socket.AF_INET6, a) for a in nexthops)
	return attr(0x80, 14, struct.pack('!HBB', 2, 1, len(nh)) + nh + b'\x00' + nlri6(prefixes))


def update(withdrawn=(), attrs=b'', nlri=()):
	w = nlri4(withdrawn)
	return _hdr(2, struct.pack('!H', len(w)) + w + struct.pack('!H', len(attrs)) + attrs +
		    nlri4(nlri))


class RawSpeaker:
	"""A minimal BGP speaker on a plain socket inside the peer namespace:
	connects to the gateway, exchanges OPEN/KEEPALIVE (4-octet AS, IPv4
	unicast), then sends whatever the test crafts. A helper thread answers
	nothing: the test calls keepalive() while it waits (hold time 30 s)."""

	def __init__(self, ns, gw=GW4, asn=PEER_AS, router_id=PEER4, hold=30, port=179):
		self.ns, self.gw, self.asn, self.router_id = ns, gw, asn, router_id
		self.hold, self.port = hold, port
		self.sock = None
		self.buf = b''

	def connect(self, timeout=10):
		fd = None
		end = time.monotonic() + timeout
		while time.monotonic() < end:
			with open('/run/netns/' + self.ns.name) as nsf:
				fd = _socket_in_netns(nsf.fileno())
			try:
				fd.settimeout(2)
				fd.connect((self.gw, self.port))
				self.sock = fd
				return self
			except OSError:
				fd.close()
				time.sleep(0.2)
		raise AssertionError('cannot connect to %s:%d' % (self.gw, self.port))

	def open(self, ipv6=False):
		caps = (b'\x02\x06\x01\x04\x00\x01\x00\x01' +		# MP IPv4 unicast
			(b'\x02\x06\x01\x04\x00\x02\x00\x01' if ipv6 else b'') +	# MP IPv6 unicast
			b'\x02\x02\x02\x00' +				# route refresh
			b'\x02\x06\x41\x04' + struct.pack('!I', self.asn))	# 4-octet AS
		my_as = self.asn if self.asn < 65536 else 23456
		body = struct.pack('!BHH4sB', 4, my_as, self.hold, socket.inet_aton(self.router_id),
				   len(caps)) + caps
		self.send(_hdr(1, body))
		t, _ = self.recv_until(1)
		self.send(_hdr(4, b''))
		self.recv_until(4)
		return self

	def send(self, msg):
		self.sock.sendall(msg)

	def keepalive(self):
		self.send(_hdr(4, b''))

	def recv(self, timeout=5):
		"""(type, body) of the next message, or (None, None) on timeout/EOF."""
		end = time.monotonic() + timeout
		while True:
			if len(self.buf) >= 19:
				ln = struct.unpack('!H', self.buf[16:18])[0]
				if len(self.buf) >= ln:
					m, self.buf = self.buf[:ln], self.buf[ln:]
					return m[18], m[19:]
			left = end - time.monotonic()
			if left <= 0:
				return None, None
			self.sock.settimeout(left)
			try:
				d = self.sock.recv(65536)
			except socket.timeout:
				return None, None
			except OSError:
				return None, None
			if not d:
				return None, None
			self.buf += d

	def recv_until(self, mtype, timeout=5):
		end = time.monotonic() + timeout
		while time.monotonic() < end:
			t, b = self.recv(end - time.monotonic())
			if t is None:
				break
			if t == mtype:
				return t, b
		raise AssertionError('no message of type %d' % mtype)

	def close(self):
		if self.sock:
			self.sock.close()
			self.sock = None


def _socket_in_netns(nsfd):
	"""A TCP socket created inside another network namespace (setns on this
	thread, create, switch back): the socket keeps its namespace."""
	import ctypes
	libc = ctypes.CDLL(None, use_errno=True)
	CLONE_NEWNET = 0x40000000
	with open('/proc/self/ns/net') as self_ns:
		if libc.setns(nsfd, CLONE_NEWNET) != 0:
			raise OSError(ctypes.get_errno(), 'setns')
		try:
			s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		finally:
			libc.setns(self_ns.fileno(), CLONE_NEWNET)
	return s
