# SPDX-License-Identifier: ISC
# tests/integration/test_ipsec_hgw.py - hybridgwd <-> hybridgwd over IKEv2/ESP (the VNet-to-VNet case): roles, simultaneous initiation, certificates, every proposal, PFS, NAT-T, rekeys under iperf3 with zero loss, DPD, restarts, refusals, BGP inside, hostile IKE input.
import os
import signal
import struct
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

from hgwlab.fixtures import *	# noqa: F401,F403,E402
from hgwlab import esp, ipsec, util	# noqa: E402
from hgwlab.netns import veth	# noqa: E402

LAN_A, LAN_B = '10.1.0.0/24', '10.2.0.0/24'
LAN_A6, LAN_B6 = 'fd01::/64', 'fd02::/64'

# The CI runs a representative set; HGW_IPSEC_FULL=1 runs every proposal
# and both certificate types (docs/vpn.md).
FULL = os.environ.get('HGW_IPSEC_FULL', '') not in ('', '0')


def full_only(*values):
	"""Parametrize values that run only with HGW_IPSEC_FULL."""
	return [pytest.param(v, marks=pytest.mark.skipif(
		not FULL, reason='HGW_IPSEC_FULL=1 runs the whole matrix')) for v in values]


@pytest.fixture
def env(netns, workdir):
	for d in ('a', 'b'):
		os.makedirs(os.path.join(workdir, d), exist_ok=True)
	return esp.topology(netns), workdir


def gw(hgwd, ns, wd, side, local=None, remote=None, start=True, **kw):
	"""hybridgwd on side 'a' (ga, routes to LAN B) or 'b' (gb, routes to LAN A)."""
	a = side == 'a'
	local = local or (ipsec.GA_WAN if a else ipsec.GB_WAN)
	remote = remote or (ipsec.GB_WAN if a else ipsec.GA_WAN)
	kw.setdefault('remote_prefixes', [LAN_B, LAN_B6] if a else [LAN_A, LAN_A6])
	kw.setdefault('router_id', '10.255.0.1' if a else '10.255.0.2')
	kw.setdefault('asn', 65010 if a else 65020)
	cfg = ipsec.write(wd, 'gw-%s.xml' % side, ipsec.hgw_config(local, remote, **kw))
	return hgwd(ns['ga' if a else 'gb'], cfg, workdir=os.path.join(wd, side), start=start,
		    extra_args=ipsec.debug_args())


def pair(hgwd, ns, wd, a_kw=None, b_kw=None):
	b_kw = dict(b_kw or {})
	b_kw.setdefault('ike', {'initiation': 'respond'})
	b = gw(hgwd, ns, wd, 'b', **b_kw)
	a = gw(hgwd, ns, wd, 'a', **(a_kw or {}))
	return a, b


def sa(d):
	t = ipsec.tunnel(d)
	ikes = [x for x in t.get('ike-sa', []) if x['state'] == 'established']
	kids = [x for x in t.get('child-sa', []) if x['state'] == 'established']
	return (ikes[0] if ikes else None), (kids[0] if kids else None)


def traffic_ok(ns):
	assert ipsec.ping(ns['ha'], ipsec.HB)
	assert ipsec.ping(ns['hb'], ipsec.HA)
	esp.wait_v6(ns['ha'])
	esp.wait_v6(ns['hb'])
	assert ipsec.ping(ns['ha'], ipsec.HB6)


def keys_agree(a, b):
	"""What one end sends on, the other receives on: SPIs cross."""
	_, ca = sa(a)
	_, cb = sa(b)
	return ca and cb and ca['spi-out'] == cb['spi-in'] and cb['spi-out'] == ca['spi-in']


# ------------------------------------------------------------ setup, roles

def test_psk_and_traffic(env, hgwd):
	ns, wd = env
	a, b = pair(hgwd, ns, wd)
	ipsec.wait_up(a)
	ipsec.wait_up(b)
	traffic_ok(ns)
	assert keys_agree(a, b)
	ia, ca = sa(a)
	ib, _ = sa(b)
	assert ia['role'] == 'initiator' and ib['role'] == 'responder'
	assert ia['initiator-spi'] == ib['initiator-spi']
	# no NAT between them: IKE stayed on 500, ESP is IP protocol 50
	assert int(ia['local-port']) == 500 and ca['udp-encapsulation'] is False
	client, server = ipsec.iperf(ns['ha'], ns['hb'], ipsec.HB, 5)
	assert server['end']['sum_received']['bits_per_second'] > 50e6, server['end']
	ta, tb = ipsec.tunnel(a), ipsec.tunnel(b)
	assert int(ta['counters']['packets-out']) > 1000
	assert int(tb['counters']['packets-in']) >= int(ta['counters']['packets-out']) * 0.99
	for d in (a, b):
		assert ipsec.PSK not in open(d.log).read()
		assert ipsec.PSK not in d.ctl('show vpn sa', json=False)
		assert ipsec.PSK not in str(d.ctl('show vpn'))


def test_both_initiate(env, hgwd):
	"""Both ends initiate at once: one IKE SA, one Child SA."""
	ns, wd = env
	b = gw(hgwd, ns, wd, 'b', start=False)
	a = gw(hgwd, ns, wd, 'a', start=False)
	b.start(wait=False)
	a.start()
	b.wait_ready()
	ipsec.wait_up(a)
	ipsec.wait_up(b)
	util.wait_for(lambda: keys_agree(a, b), 10, 0.2, 'the same Child SA at both ends')
	time.sleep(2)
	for d in (a, b):
		t = ipsec.tunnel(d)
		assert len(t['ike-sa']) == 1 and len(t['child-sa']) == 1, t
		assert int(t['up-count']) == 1
	traffic_ok(ns)


@pytest.mark.parametrize('kind', ['ecdsa'] + full_only('rsa'))
def test_certificates(env, hgwd, kind):
	ns, wd = env
	pki = ipsec.make_pki(wd, kind)
	ca = pki['ca']

	def ike(me, peer, extra=None):
		cert, key = pki[me]
		d = {'certificate': cert, 'private-key': key, 'ca-certificate': ca,
		     'local-id': me, 'remote-id': peer}
		d.update(extra or {})
		return d
	a, b = pair(hgwd, ns, wd,
		    a_kw={'psk': None, 'ike': ike('a.example.net', 'b.example.net')},
		    b_kw={'psk': None, 'ike': ike('b.example.net', '*.example.net',
						  {'initiation': 'respond'})})
	ipsec.wait_up(a)
	traffic_ok(ns)
	ia, _ = sa(a)
	ib, _ = sa(b)
	assert ia['authentication'] == ib['authentication'] == kind
	assert ib['remote-id'] == 'a.example.net'


# ------------------------------------------------------------ proposals

IKE_PROPOSALS = ['aes256-sha512-ecp521', 'aes128gcm16-prfsha256-ecp256'] + full_only(
	'aes256gcm16-prfsha384-ecp384', 'aes256gcm16-prfsha512-x25519', 'aes128-sha256-modp2048',
	'aes192-sha384-modp2048', 'aes256-sha256-modp2048s256', 'aes128-sha1-modp2048',
)
ESP_PROPOSALS = ['aes256gcm16-esn', 'aes192-sha384'] + full_only(
	'aes128gcm16', 'aes256gcm16', 'aes128-sha256', 'aes256-sha512', 'aes128-sha1',
)


@pytest.mark.parametrize('prop', IKE_PROPOSALS)
def test_ike_proposal(env, hgwd, prop):
	ns, wd = env
	a, b = pair(hgwd, ns, wd, a_kw={'ike': {'proposal': prop}},
		    b_kw={'ike': {'proposal': prop, 'initiation': 'respond'}})
	ipsec.wait_up(a)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	ia, _ = sa(a)
	assert ia['algorithms'].split('-')[0] == prop.split('-')[0]
	assert ia['algorithms'].split('-')[-1] == prop.split('-')[-1]


@pytest.mark.parametrize('prop', ESP_PROPOSALS)
def test_esp_proposal(env, hgwd, prop):
	ns, wd = env
	a, b = pair(hgwd, ns, wd, a_kw={'esp_opts': {'proposal': prop}},
		    b_kw={'esp_opts': {'proposal': prop}})
	ipsec.wait_up(a)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	_, ca = sa(a)
	want = prop if prop.endswith('esn') else prop + '-noesn'
	assert ca['algorithms'] == want, ca


def test_pfs(env, hgwd):
	ns, wd = env
	opts = {'proposal': 'aes256gcm16', 'pfs-group': 'x25519', 'lifetime': 10}
	a, b = pair(hgwd, ns, wd, a_kw={'esp_opts': opts}, b_kw={'esp_opts': opts})
	ipsec.wait_up(a)
	_, c0 = sa(a)
	util.wait_for(lambda: (sa(a)[1] or c0)['spi-in'] != c0['spi-in'], 30, 0.2, 'a rekey')
	_, c1 = sa(a)
	assert c1['algorithms'] == 'aes256gcm16-x25519-noesn', c1
	assert ipsec.ping(ns['ha'], ipsec.HB)


def test_proposal_mismatch(env, hgwd):
	ns, wd = env
	a, b = pair(hgwd, ns, wd, a_kw={'ike': {'proposal': 'aes128-sha256-modp2048'}},
		    b_kw={'ike': {'proposal': 'aes256gcm16-prfsha384-ecp384',
				  'initiation': 'respond'}})
	util.wait_for(lambda: 'NO_PROPOSAL_CHOSEN' in open(b.log).read() and
		      'NO_PROPOSAL_CHOSEN' in open(a.log).read(), 15, 0.1, 'the refusal')
	line = [x for x in open(b.log).read().splitlines() if 'NO_PROPOSAL_CHOSEN' in x][0]
	assert 'the peer offered aes128-' in line and 'modp2048' in line, line
	assert 'we accept aes256gcm16-prfsha384-ecp384' in line, line
	for d in (a, b):
		t = ipsec.tunnel(d)
		assert t['state'] != 'up' and t['reason'] == 'no-proposal', t


def test_wrong_psk(env, hgwd):
	ns, wd = env
	a, b = pair(hgwd, ns, wd, b_kw={'psk': 'a-different-key-entirely',
					'ike': {'initiation': 'respond'}})
	util.wait_for(lambda: 'AUTHENTICATION_FAILED' in open(a.log).read(), 15, 0.1, 'refusal')
	time.sleep(1)
	for d in (a, b):
		t = ipsec.tunnel(d)
		assert t['state'] != 'up' and t['reason'] == 'auth-failed', t
		assert not t.get('child-sa')
	assert 'pre-shared key mismatch' in open(b.log).read()


# ------------------------------------------------------------ NAT-T

def nat_topology(netns):
	ns = {k: netns(k) for k in ('ha', 'ga', 'nat', 'gb', 'hb')}
	for k in ns:
		ns[k].sysctl('net.ipv6.conf.default.accept_dad', 0)
		ns[k].sysctl('net.ipv6.conf.all.accept_dad', 0)
	veth(ns['ha'], 'eth0', ns['ga'], 'lan', ['10.1.0.2/24', 'fd01::2/64'],
	     ['10.1.0.1/24', 'fd01::1/64'])
	veth(ns['ga'], 'wan', ns['nat'], 'in', '172.16.0.1/24', '172.16.0.254/24')
	veth(ns['nat'], 'wan', ns['gb'], 'wan', '192.0.2.254/24', '192.0.2.2/24')
	veth(ns['hb'], 'eth0', ns['gb'], 'lan', ['10.2.0.2/24', 'fd02::2/64'],
	     ['10.2.0.1/24', 'fd02::1/64'])
	for h, g, g6 in (('ha', '10.1.0.1', 'fd01::1'), ('hb', '10.2.0.1', 'fd02::1')):
		ns[h].run(['ip', 'route', 'add', 'default', 'via', g])
		ns[h].run(['ip', '-6', 'route', 'add', 'default', 'via', g6])
	ns['ga'].run(['ip', 'route', 'add', '192.0.2.0/24', 'via', '172.16.0.254'])
	for g in ('ga', 'gb', 'nat'):
		ns[g].sysctl('net.ipv4.ip_forward', 1)
		ns[g].sysctl('net.ipv6.conf.all.forwarding', 1)
	ns['nat'].run(['nft', '-f', '-'], input='''table ip hgwnat {
	chain post { type nat hook postrouting priority 100; oifname "wan" masquerade random; }
}
''')
	return ns


def test_nat_traversal(netns, workdir, hgwd):
	ns = nat_topology(netns)
	for d in ('a', 'b'):
		os.makedirs(os.path.join(workdir, d), exist_ok=True)
	b = gw(hgwd, ns, workdir, 'b', remote='192.0.2.254',
	       ike={'initiation': 'respond', 'remote-id': '172.16.0.1'})
	a = gw(hgwd, ns, workdir, 'a', local='172.16.0.1')
	ipsec.wait_up(a)
	ipsec.wait_up(b)
	traffic_ok(ns)
	ia, ca = sa(a)
	ib, cb = sa(b)
	assert ia['nat-local'] is True and ib['nat-remote'] is True
	assert ca['udp-encapsulation'] is True and cb['udp-encapsulation'] is True
	assert ib['remote-address'] == '192.0.2.254' and int(ib['remote-port']) != 4500
	# RFC 3948 4: A keeps the NAT's mapping alive for B's ESP
	client, server = ipsec.iperf(ns['hb'], ns['ha'], ipsec.HA, 3)
	assert server['end']['sum_received']['bits_per_second'] > 10e6


# ------------------------------------------------------------ rekey under load

@pytest.mark.parametrize('what', ['both'] + full_only('child', 'ike'))
def test_rekey_under_iperf_zero_loss(env, hgwd, what):
	"""Rekeys during an iperf3 UDP stream: not one datagram lost end to end,
	no packet without an SA at either end. 'both': Child SA rekeys before
	and after an IKE SA rekey (both ends rekey: collisions, 2.8.1); 'child',
	'ike' (HGW_IPSEC_FULL): one kind alone, longer."""
	ns, wd = env
	secs, kw = {
		'both': (20, {'esp_opts': {'lifetime': 10}, 'ike': {'lifetime': 14}}),
		'child': (25, {'esp_opts': {'lifetime': 10}}),
		'ike': (25, {'ike': {'lifetime': 10}}),
	}[what]
	bkw = dict(kw)
	bkw['ike'] = dict(kw.get('ike', {}), initiation='respond')
	a, b = pair(hgwd, ns, wd, a_kw=kw, b_kw=bkw)
	ipsec.wait_up(a)
	ipsec.wait_up(b)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	i0, c0 = sa(a)
	dps0 = [ipsec.dataplane(d) for d in (a, b)]
	rcv0 = ipsec.udp_rcvbuf_errors(ns['gb']) + ipsec.udp_rcvbuf_errors(ns['hb'])
	client, server = ipsec.iperf(ns['ha'], ns['hb'], ipsec.HB, secs, ipsec.UDP_STREAM)
	host = ipsec.udp_rcvbuf_errors(ns['gb']) + ipsec.udp_rcvbuf_errors(ns['hb']) - rcv0
	# the stream may end in the middle of a rekey: the SAs it swaps are
	# "rekeying" until the exchange (one round trip) is done
	i1, c1 = util.wait_for(lambda: all(sa(a)) and sa(a), 10, 0.1, 'established SAs after the stream')
	if what != 'ike':
		assert c1['spi-in'] != c0['spi-in'], 'no Child SA rekey'
	if what != 'child':
		assert i1['initiator-spi'] != i0['initiator-spi'], 'no IKE SA rekey'
	if what == 'ike':
		assert c1['spi-in'] == c0['spi-in']	# the Child SA moved, unchanged
	if what == 'both':
		assert len(ipsec.log_times(a.log, 'rekeyed') + ipsec.log_times(b.log, 'rekeyed')) >= 3
	end = server['end']['sum']
	# zero loss: a datagram may only go missing where the host dropped it
	# (a full socket buffer of B's dataplane or of hb's iperf3, on a busy
	# machine: counted by the kernel), never to a rekey
	assert end['packets'] > 400 * secs and end['lost_packets'] <= host, (end, host)
	for d, dp0 in zip((a, b), dps0):
		dp = ipsec.dataplane(d)
		assert dp['no-outbound-sa'] == dp0['no-outbound-sa'], (dp0, dp)
		assert dp['unknown-spi'] == dp0['unknown-spi'], (dp0, dp)
		t = ipsec.tunnel(d)
		assert int(t['up-count']) == 1
		for k in ('out-drops', 'replay-drops', 'auth-failures', 'decrypt-errors'):
			assert t['counters'][k] == '0', t['counters']


@pytest.mark.skipif(not FULL, reason='HGW_IPSEC_FULL=1 (the UDP stream proves the rekeys)')
def test_tcp_through_rekeys(env, hgwd):
	"""An iperf3 TCP stream across several Child SA and IKE SA rekeys: it
	never stalls."""
	ns, wd = env
	kw = {'esp_opts': {'lifetime': 10}, 'ike': {'lifetime': 14}}
	a, b = pair(hgwd, ns, wd, a_kw=kw, b_kw={'esp_opts': {'lifetime': 10},
						  'ike': {'lifetime': 14, 'initiation': 'respond'}})
	ipsec.wait_up(a)
	client, server = ipsec.iperf(ns['ha'], ns['hb'], ipsec.HB, 20)
	ivs = [i['sum']['bits_per_second'] for i in server['intervals']]
	assert min(ivs[1:-1]) > 1e6, ivs	# no second without traffic
	assert len(ipsec.log_times(a.log, 'rekeyed') + ipsec.log_times(b.log, 'rekeyed')) >= 2


# ------------------------------------------------------------ DPD, restarts, deletes

DPD = 6


def test_dpd(env, hgwd, silence):
	ns, wd = env
	a, b = pair(hgwd, ns, wd, a_kw={'ike': {'dpd-timeout': DPD}},
		    b_kw={'ike': {'dpd-timeout': DPD, 'initiation': 'respond'}})
	ipsec.wait_up(a)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	silence(ns['gb'], 'wan')
	t0 = time.monotonic()
	util.wait_for(lambda: ipsec.tunnel_state(a) != 'up', 3 * DPD, 0.1, 'DPD')
	# dead a DPD timeout after last heard (before the silence); the margin
	# is in timeouts too, for the poll
	assert time.monotonic() - t0 <= 1.5 * DPD
	assert ipsec.tunnel(a)['reason'] == 'dpd'
	util.wait_for(lambda: ipsec.tunnel_state(b) != 'up', 3 * DPD, 0.1, 'DPD at B')
	assert ipsec.tunnel(b)['reason'] == 'dpd'


def test_peer_restart(env, hgwd):
	"""B (the initiator this time) is restarted: its new IKE SA carries
	INITIAL_CONTACT, A drops the old one at once."""
	ns, wd = env
	b = gw(hgwd, ns, wd, 'b')
	a = gw(hgwd, ns, wd, 'a', ike={'initiation': 'respond'})
	ipsec.wait_up(a)
	i0, _ = sa(a)
	b.proc.send_signal(signal.SIGKILL)	# a crash: no Delete (the device goes with it)
	b.proc.stop()
	b.start()
	util.wait_for(lambda: (sa(a)[0] or i0)['initiator-spi'] != i0['initiator-spi'], 20, 0.2,
		      'the new IKE SA')
	ipsec.wait_up(a)
	assert len(ipsec.tunnel(a)['ike-sa']) == 1
	assert 'the peer restarted' in open(a.log).read()
	assert ipsec.ping(ns['ha'], ipsec.HB)


def test_peer_removes_tunnel(env, hgwd):
	"""B's tunnel is configured away (SIGHUP with a config without it): A
	hears the Delete and says why."""
	ns, wd = env
	a, b = pair(hgwd, ns, wd)
	ipsec.wait_up(a)
	ipsec.write(wd, 'gw-b.xml', '<gateway xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw">'
		    '<router-id>10.255.0.2</router-id><as>65020</as></gateway>\n')
	b.reload()
	util.wait_for(lambda: ipsec.tunnel_state(a) != 'up', 10, 0.1, 'down at A')
	assert ipsec.tunnel(a)['reason'] == 'peer-deleted'
	util.wait_for(lambda: 'ipsec-t1' not in ns['gb'].out(['ip', 'link']), 5, 0.1,
		      'the device gone at B')


# ------------------------------------------------------------ BGP inside

def test_bgp_inside(env, hgwd):
	"""BGP between the two over ESP: each learns the other's LAN."""
	ns, wd = env
	a, b = pair(hgwd, ns, wd,
		    a_kw={'remote_prefixes': [], 'inside': '169.254.21.2/30',
			  'bgp': ('169.254.21.1', 65020), 'local_prefixes': [LAN_A]},
		    b_kw={'remote_prefixes': [], 'inside': '169.254.21.1/30',
			  'bgp': ('169.254.21.2', 65010), 'local_prefixes': [LAN_B],
			  'ike': {'initiation': 'respond'}})
	ipsec.wait_up(a)

	def established(d, peer):
		for n in d.ctl('show bgp')['hybridgw:gateway-state']['bgp'].get('neighbor', []):
			if n['address'] == peer:
				return n['state'] == 'established'
		return False
	util.wait_for(lambda: established(a, '169.254.21.1') and established(b, '169.254.21.2'),
		      30, 0.2, 'BGP inside the tunnel')
	util.wait_for(lambda: 'dev ipsec-t1' in ns['ga'].out(['ip', 'route', 'get', ipsec.HB]),
		      15, 0.2, "B's LAN via the tunnel at A")
	util.wait_for(lambda: 'dev ipsec-t1' in ns['gb'].out(['ip', 'route', 'get', ipsec.HA]),
		      15, 0.2, "A's LAN via the tunnel at B")
	assert ipsec.ping(ns['ha'], ipsec.HB)


# ------------------------------------------------------------ config and state

def test_refused_at_commit(env, hgwd):
	"""A bad proposal, an unknown group, an unreadable certificate: refused
	with the path and the reason, the running config untouched."""
	ns, wd = env
	a = gw(hgwd, ns, wd, 'a')
	cases = [
		({'ike': {'proposal': 'aes256-sha256-modp9999'}}, "ike/proposal", 'modp9999'),
		({'esp_opts': {'proposal': 'chacha20poly1305'}}, 'esp/proposal', 'chacha20poly1305'),
		({'psk': None, 'ike': {'certificate': '/nonexistent/c.pem',
				       'private-key': '/nonexistent/k.pem',
				       'ca-certificate': '/nonexistent/ca.pem'}},
		 'ike/certificate', '/nonexistent/c.pem'),
		({'ike': {'local-id': 'C=CH, O=x, CN'}}, 'ike/local-id', ''),
	]
	for kw, path, word in cases:
		bad = ipsec.write(wd, 'bad.xml', ipsec.hgw_config(ipsec.GA_WAN, ipsec.GB_WAN, **kw))
		p = a.ctl(['config', 'apply', bad], json=False, check=False)
		out = p.stdout + p.stderr
		assert p.returncode != 0, out
		assert path in out and word in out, out
	assert a.alive()
	cfg = a.ctl('show config')['hybridgw:gateway']
	assert 'proposal' not in cfg['vpn-connection'][0]['ike']


def test_tunnel_state_notification(env, hgwd):
	"""NETCONF tunnel-state: up when the first Child SA is in, down with the
	reason when the peer deletes it (B configured away)."""
	sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
					'northbound'))
	import nclib
	from lxml import etree
	ns, wd = env
	# A first (it initiates into the void, then retransmits: RFC 7296 2.4),
	# subscribed before B answers
	cfg = ipsec.hgw_config(ipsec.GA_WAN, ipsec.GB_WAN, remote_prefixes=[LAN_B])
	cfg = cfg.replace('</gateway>', nclib.users_xml() + '</gateway>')
	a = hgwd(ns['ga'], ipsec.write(wd, 'gw-a.xml', cfg), workdir=os.path.join(wd, 'a'),
		 extra_args=['-n', '127.0.0.1:%d' % nclib.PORT, '-S', os.path.join(wd, 'state')])
	util.wait_for(lambda: ':%d ' % nclib.PORT in ns['ga'].out(['ss', '-ltn']), 10, 0.05,
		      'NETCONF port')
	with nclib.in_netns(ns['ga'].name):
		m = nclib.manager.connect(host='127.0.0.1', port=nclib.PORT, username='admin',
					  password=nclib.PASSWORDS['admin'], hostkey_verify=False,
					  look_for_keys=False, allow_agent=False, timeout=20)
	try:
		m.create_subscription()
		b = gw(hgwd, ns, wd, 'b', ike={'initiation': 'respond'})

		def next_tunnel_state(timeout):
			end = time.time() + timeout
			while time.time() < end:
				n = m.take_notification(block=True, timeout=max(0.1, end - time.time()))
				if n is None:
					continue
				for c in etree.fromstring(n.notification_xml.encode()):
					if etree.QName(c).localname == 'tunnel-state':
						return {etree.QName(x).localname: x.text for x in c}
			return None
		# the setup gives up after 30 s, A then initiates again
		up = next_tunnel_state(45)
		assert up and up['state'] == 'up', up
		assert up['connection'] == 'peer' and up['tunnel'] == 't1'
		assert up['interface'] == 'ipsec-t1'
		ipsec.write(wd, 'gw-b.xml', '<gateway xmlns="urn:hybridgw:params:xml:ns:yang:'
			    'hybridgw"><router-id>10.255.0.2</router-id><as>65020</as></gateway>\n')
		b.reload()
		down = next_tunnel_state(15)
		assert down and down['state'] == 'down' and down['reason'] == 'peer-deleted', down
		assert ipsec.PSK not in str(up) + str(down)
		assert a.alive()
	finally:
		m.close_session()


# ------------------------------------------------------------ hostile input

def _ike_hdr(ispi, rspi, np, exch, flags, msgid, length):
	return struct.pack('!QQBBBBII', ispi, rspi, np, 0x20, exch, flags, msgid, length)


_SENDER = '''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("%s", 0))
wait = float(sys.argv[1])
for line in sys.stdin:
	port, data = line.split()
	s.settimeout(wait)
	s.sendto(bytes.fromhex(data) if data != "-" else b"", ("%s", int(port)))
	try:
		print(s.recv(65535).hex() if wait > 0 else "none")
	except socket.timeout:
		print("none")
	sys.stdout.flush()
'''


def _send_many(ns, msgs, wait):
	"""Send datagrams ((port, bytes) each) to B from ga's address, one after
	the other from one socket, each followed by a wait for an answer of up
	to wait seconds (0: none awaited); the answers (or None), in order."""
	code = _SENDER % (ipsec.GA_WAN, ipsec.GB_WAN)
	text = ''.join('%d %s\n' % (port, data.hex() or '-') for port, data in msgs)
	out = ns['ga'].out(['/usr/bin/python3', '-c', code, str(wait)], input=text)
	return [None if x == 'none' else bytes.fromhex(x) for x in out.split()]


def _send(ns, payload, port=500):
	"""One datagram to B; the answer or None (an answer is due within the
	first retransmission interval, RFC 7296 2.4: 1 s)."""
	return _send_many(ns, [(port, payload)], 1.0)[0]


def test_hostile_ike(env, hgwd):
	"""Malformed IKE from a raw UDP sender: the daemon keeps running, the
	live tunnel stays up, and the answers are the RFC's or silence."""
	ns, wd = env
	b = gw(hgwd, ns, wd, 'b', ike={'initiation': 'respond'})
	a = gw(hgwd, ns, wd, 'a')
	ipsec.wait_up(a)
	# RFC 7296 2.5: version 3 -> INVALID_MAJOR_VERSION (notify type 5)
	m = bytearray(_ike_hdr(0x1111, 0, 0, 34, 0x08, 0, 28))
	m[17] = 0x30
	r = _send(ns, bytes(m))
	assert r and r[16] == 41 and struct.unpack('!H', r[34:36])[0] == 5, r
	# an unknown critical payload in IKE_SA_INIT -> UNSUPPORTED_CRITICAL_PAYLOAD (1)
	pl = struct.pack('!BBH', 0, 0x80, 8) + b'\0' * 4
	r = _send(ns, _ike_hdr(0x2222, 0, 200, 34, 0x08, 0, 28 + len(pl)) + pl)
	assert r and struct.unpack('!H', r[34:36])[0] == 1, r
	cases = [
		b'', b'\x00', b'\xff' * 27, _ike_hdr(0, 0, 0, 34, 8, 0, 28),	# zero SPI
		_ike_hdr(1, 0, 33, 34, 8, 0, 1000),				# length lies
		_ike_hdr(1, 0, 33, 34, 8, 0, 32) + b'\0\0\0\x04',		# empty SA
		_ike_hdr(1, 0, 33, 34, 8, 0, 36) + b'\0\0\xff\xff' + b'\0' * 4,	# SA too long
		_ike_hdr(1, 2, 46, 35, 8, 1, 40) + b'\0\0\0\x0c' + b'\0' * 8,	# SK for no SA
		_ike_hdr(3, 0, 41, 34, 8, 5, 36) + b'\0\0\0\x08' + b'\0' * 4,	# msgid 5
		_ike_hdr(4, 0, 40, 34, 0x28, 0, 32) + b'\0\0\0\x04',		# a response
	]
	msgs = [(500, c) for c in cases] + [(4500, b'\0\0\0\0' + c) for c in cases]
	answers = _send_many(ns, msgs, 0.3)
	assert answers == [None] * len(msgs), [(m[0], m[1].hex()) for m, r in
						zip(msgs, answers) if r is not None]
	# random garbage to both ports: no answer awaited, the daemon lives
	import random
	rnd = random.Random(7)
	junk = [(rnd.choice((500, 4500)), bytes(rnd.randrange(256) for _ in
		 range(rnd.randrange(0, 600)))) for _ in range(200)]
	_send_many(ns, junk, 0)
	# mutations of real IKE messages (the fuzz seeds: IKE_SA_INIT requests,
	# IKE_AUTH, INFORMATIONAL), the length field kept right so that they
	# pass the header check and reach the exchanges; fresh SPIs open
	# half-open SAs (COOKIE and the per-source cap come into play)
	seeds = os.path.join(os.environ.get('HGW_SRC', os.path.join(
		os.path.dirname(os.path.abspath(__file__)), '..', '..')),
		'tests', 'fuzz', 'corpus', 'fuzz_vpn_ike')
	msgs = []
	for name in sorted(os.listdir(seeds)):
		seed = open(os.path.join(seeds, name), 'rb').read()
		if len(seed) < 28:
			continue
		msgs.append((500, seed))
		for _ in range(25):
			m = bytearray(seed)
			op = rnd.randrange(3)
			if op == 0:
				for _ in range(rnd.randrange(1, 5)):
					m[rnd.randrange(28, len(m)) if len(m) > 28 else 27] = rnd.randrange(256)
			elif op == 1:
				del m[rnd.randrange(28, len(m) + 1):]
			else:
				m[0:8] = rnd.randrange(1, 1 << 64).to_bytes(8, 'big')
			m[24:28] = struct.pack('!I', len(m))
			port = rnd.choice((500, 4500))
			msgs.append((port, bytes(m) if port == 500 else b'\0\0\0\0' + bytes(m)))
	_send_many(ns, msgs, 0)
	assert a.alive() and b.alive()
	assert ipsec.tunnel_state(a) == 'up' and ipsec.tunnel_state(b) == 'up'
	assert ipsec.ping(ns['ha'], ipsec.HB)
	ike = b.ctl('show vpn')['hybridgw:gateway-state']['vpn']['ike']
	assert int(ike['invalid']) + int(ike['dropped']) > 0
