# SPDX-License-Identifier: ISC
# tests/interop/test_ipsec_swan.py - hybridgwd's IKEv2 against strongSwan 5.9 (charon-systemd, kernel-libipsec) in namespaces: both roles, PSK and certificates, every shared proposal, PFS, NAT-T, rekeys under load, DPD, restarts, refusals, BGP inside.
import os
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
# strongSwan's selectors: the LANs (see hgwlab/ipsec.py), ours are 0/0
SWAN_LTS = LAN_B + ',' + LAN_B6
SWAN_RTS = LAN_A + ',' + LAN_A6

# The CI runs a representative set (both roles, one certificate type per
# role, three IKE and two ESP proposals, one rekey-under-load run); the
# whole matrix (every proposal both run, both certificate types in both
# roles, rekeys made by either side) with HGW_IPSEC_FULL=1 (docs/vpn.md).
FULL = os.environ.get('HGW_IPSEC_FULL', '') not in ('', '0')


def full_only(*values):
	"""Parametrize values that run only with HGW_IPSEC_FULL."""
	return [pytest.param(*v if isinstance(v, tuple) else (v,), marks=pytest.mark.skipif(
		not FULL, reason='HGW_IPSEC_FULL=1 runs the whole matrix')) for v in values]


@pytest.fixture
def env(netns, workdir):
	for d in ('hgwd', 'swan'):
		os.makedirs(os.path.join(workdir, d), exist_ok=True)
	return esp.topology(netns), workdir


def hgw_up(hgwd, ns, wd, local=ipsec.GA_WAN, remote=ipsec.GB_WAN, gw='ga', **kw):
	kw.setdefault('remote_prefixes', [LAN_B, LAN_B6])
	cfg = ipsec.write(wd, 'gw.xml', ipsec.hgw_config(local, remote, **kw))
	return hgwd(ns[gw], cfg, workdir=os.path.join(wd, 'hgwd'), extra_args=ipsec.debug_args())


def swan_up(swan, ns, wd, local=ipsec.GB_WAN, remote=ipsec.GA_WAN, gw='gb', lts=SWAN_LTS,
	    rts=SWAN_RTS, conf_extra='', **kw):
	conf = ipsec.swanctl(local, remote, lts, rts, **kw)
	if kw.get('cert'):
		ipsec.swan_creds(os.path.join(wd, 'swan'), kw['cert'], kw['key'], kw['ca'])
	return swan(ns[gw], conf, workdir=os.path.join(wd, 'swan'),
		    strongswan_conf=ipsec.swan_conf(conf_extra))


def swan_restart(s):
	"""Stop charon and start it again (its stale VICI socket removed first,
	or the start would think it ready)."""
	s.stop()
	if os.path.exists(s.vici):
		os.unlink(s.vici)
	s.start()


def traffic_ok(ns):
	assert ipsec.ping(ns['ha'], ipsec.HB)
	assert ipsec.ping(ns['hb'], ipsec.HA)
	esp.wait_v6(ns['ha'])
	esp.wait_v6(ns['hb'])
	assert ipsec.ping(ns['ha'], ipsec.HB6)


def sa(d):
	"""(the IKE SA, the Child SA) of the tunnel in show vpn."""
	t = ipsec.tunnel(d)
	ikes = [x for x in t.get('ike-sa', []) if x['state'] == 'established']
	kids = [x for x in t.get('child-sa', []) if x['state'] == 'established']
	return (ikes[0] if ikes else None), (kids[0] if kids else None)


# ---------------------------------------------------------------- PSK, roles

def test_psk_hybridgw_initiates(env, hgwd, swan):
	ns, wd = env
	s = swan_up(swan, ns, wd)
	d = hgw_up(hgwd, ns, wd)
	t = ipsec.wait_up(d)
	assert t['interface'] == 'ipsec-t1'
	traffic_ok(ns)
	assert ipsec.swan_child_up(s)
	ike, child = sa(d)
	assert ike['role'] == 'initiator' and ike['authentication'] == 'psk'
	# kernel-libipsec fakes a NAT to get ESP in UDP: we follow (RFC 7296 2.23)
	assert ike['nat-remote'] is True and child['udp-encapsulation'] is True
	t = ipsec.tunnel(d)
	assert int(t['counters']['packets-in']) > 0 and int(t['counters']['packets-out']) > 0
	assert ipsec.PSK not in open(d.log).read()
	assert ipsec.PSK not in d.ctl('show vpn sa', json=False)


def test_psk_swan_initiates(env, hgwd, swan):
	ns, wd = env
	d = hgw_up(hgwd, ns, wd, ike={'initiation': 'respond'})
	swan_up(swan, ns, wd, start='start')
	ipsec.wait_up(d, 20)
	traffic_ok(ns)
	ike, child = sa(d)
	assert ike['role'] == 'responder'
	assert ike['remote-id'] == ipsec.GB_WAN


# ---------------------------------------------------------------- certificates

@pytest.mark.parametrize('kind,who', [('rsa', 'hybridgw'), ('ecdsa', 'swan')] +
			 full_only(('ecdsa', 'hybridgw'), ('rsa', 'swan')))
def test_certificates(env, hgwd, swan, kind, who):
	ns, wd = env
	pki = ipsec.make_pki(wd, kind)
	ca, (acert, akey), (bcert, bkey) = pki['ca'], pki['a.example.net'], pki['b.example.net']
	ike = {'certificate': acert, 'private-key': akey, 'ca-certificate': ca,
	       'local-id': 'a.example.net', 'remote-id': 'b.example.net'}
	if who == 'swan':
		ike['initiation'] = 'respond'
	d = hgw_up(hgwd, ns, wd, psk=None, ike=ike)
	swan_up(swan, ns, wd, cert=bcert, key=bkey, ca=ca, local_id='b.example.net',
		remote_id='a.example.net', start='start' if who == 'swan' else 'none')
	ipsec.wait_up(d, 20)
	traffic_ok(ns)
	ike_sa, _ = sa(d)
	assert ike_sa['authentication'] == ('rsa' if kind == 'rsa' else 'ecdsa')
	assert ike_sa['remote-id'] == 'b.example.net'


# ---------------------------------------------------------------- proposals

# Every proposal of the list both implement; the first ones run
# always (AEAD and CBC+HMAC, an ECP, a MODP and the X25519 group).
IKE_PROPOSALS = [
	'aes256gcm16-prfsha512-x25519', 'aes128-sha256-modp2048', 'aes256-sha384-ecp384',
] + full_only(
	'aes128gcm16-prfsha256-ecp256', 'aes256gcm16-prfsha384-ecp384', 'aes192-sha384-modp2048',
	'aes256-sha512-ecp521', 'aes256-sha256-modp2048s256', 'aes128-sha256-ecp256',
	'aes256-sha256-x25519', 'aes128-sha1-modp2048',
)
ESP_PROPOSALS = ['aes128gcm16', 'aes256-sha512'] + full_only(
	'aes256gcm16', 'aes128-sha256', 'aes192-sha384', 'aes256-sha256', 'aes128-sha1',
)


def _suite(p):
	"""Our printed form of a proposal: aes128-sha256 -> aes128-sha256-prfsha256."""
	parts = p.split('-')
	if not any(x.startswith('prf') for x in parts) and 'gcm' not in parts[0]:
		parts.insert(2, 'prf' + parts[1])
	return '-'.join(parts)


@pytest.mark.parametrize('prop', IKE_PROPOSALS)
def test_ike_proposal(env, hgwd, swan, prop):
	ns, wd = env
	swan_up(swan, ns, wd, proposals=prop)
	d = hgw_up(hgwd, ns, wd, ike={'proposal': prop})
	ipsec.wait_up(d)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	ike, _ = sa(d)
	assert ike['algorithms'] == _suite(prop), ike


@pytest.mark.parametrize('prop', ESP_PROPOSALS)
def test_esp_proposal(env, hgwd, swan, prop):
	ns, wd = env
	swan_up(swan, ns, wd, esp_proposals=prop)
	d = hgw_up(hgwd, ns, wd, esp_opts={'proposal': prop})
	ipsec.wait_up(d)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	_, child = sa(d)
	assert child['algorithms'] == prop + '-noesn', child


def test_pfs_rekey(env, hgwd, swan):
	"""PFS: every Child SA rekey has a key exchange of the group."""
	ns, wd = env
	swan_up(swan, ns, wd, esp_proposals='aes256gcm16-ecp384')
	d = hgw_up(hgwd, ns, wd, esp_opts={'proposal': 'aes256gcm16', 'pfs-group': 'ecp384',
					    'lifetime': 12})
	ipsec.wait_up(d)
	_, first = sa(d)
	assert first['algorithms'] == 'aes256gcm16-noesn'	# IKE_AUTH: no KE
	util.wait_for(lambda: (sa(d)[1] or {}).get('spi-in', first['spi-in']) != first['spi-in'],
		      30, 0.2, 'a Child SA rekey')
	_, child = sa(d)
	assert child['algorithms'] == 'aes256gcm16-ecp384-noesn', child
	assert ipsec.ping(ns['ha'], ipsec.HB)


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize('who', ['hybridgw', 'swan'])
def test_proposal_mismatch(env, hgwd, swan, who):
	ns, wd = env
	ike = {'proposal': 'aes256gcm16-prfsha384-ecp384'}
	if who == 'swan':
		ike['initiation'] = 'respond'
	d = hgw_up(hgwd, ns, wd, ike=ike)
	s = swan_up(swan, ns, wd, proposals='aes128-sha256-modp2048',
		    start='start' if who == 'swan' else 'none')
	util.wait_for(lambda: 'NO_PROPOSAL_CHOSEN' in open(d.log).read(), 15, 0.1,
		      'NO_PROPOSAL_CHOSEN in the log')
	log = open(d.log).read()
	line = [x for x in log.splitlines() if 'NO_PROPOSAL_CHOSEN' in x][0]
	# the line names the tunnel and what each side offers
	assert 'vpn peer tunnel t1' in line
	assert 'aes256gcm16' in line or 'aes128' in line, line
	if who == 'swan':
		assert 'aes128-sha256' in line and 'aes256gcm16-prfsha384-ecp384' in line, line
		assert 'NO_PROPOSAL_CHOSEN' in ipsec.swan_log(s)
	t = ipsec.tunnel(d)
	assert t['state'] != 'up' and t.get('reason') == 'no-proposal', t
	assert not t.get('child-sa')


@pytest.mark.parametrize('who', ['hybridgw', 'swan'])
def test_wrong_psk(env, hgwd, swan, who):
	ns, wd = env
	ike = {}
	if who == 'swan':
		ike['initiation'] = 'respond'
	d = hgw_up(hgwd, ns, wd, ike=ike)
	s = swan_up(swan, ns, wd, psk='not-the-right-key-at-all',
		    start='start' if who == 'swan' else 'none')
	util.wait_for(lambda: 'AUTHENTICATION_FAILED' in open(d.log).read(), 15, 0.1,
		      'AUTHENTICATION_FAILED in the log')
	time.sleep(1)
	t = ipsec.tunnel(d)
	assert t['state'] != 'up' and t.get('reason') == 'auth-failed', t
	assert not t.get('child-sa')		# nothing installed here
	assert not ipsec.swan_child_up(s)	# nor there
	assert 'AUTH_FAILED' in ipsec.swan_log(s)
	assert ns['ha'].run(['ping', '-c', '1', '-W', '1', ipsec.HB], check=False).returncode != 0


# ---------------------------------------------------------------- NAT-T

def nat_topology(netns, masq_random=True):
	"""ha -- ga (172.16.0.1) -- nat (masquerade) -- gb (192.0.2.2) -- hb."""
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
	chain post { type nat hook postrouting priority 100; oifname "wan" masquerade%s; }
}
''' % (' random' if masq_random else ''))
	return ns


def test_natt_hybridgw_behind_nat(netns, workdir, hgwd, swan):
	ns = nat_topology(netns)
	for d in ('hgwd', 'swan'):
		os.makedirs(os.path.join(workdir, d), exist_ok=True)
	swan_up(swan, ns, workdir, remote='%any', remote_id='172.16.0.1')
	d = hgw_up(hgwd, ns, workdir, local='172.16.0.1')
	ipsec.wait_up(d)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	assert ipsec.ping(ns['hb'], ipsec.HA)
	ike, child = sa(d)
	assert ike['nat-local'] is True, ike
	assert int(ike['local-port']) == 4500 and int(ike['remote-port']) == 4500
	assert child['udp-encapsulation'] is True


def test_natt_swan_behind_nat(netns, workdir, hgwd, swan):
	ns = nat_topology(netns)
	for d in ('hgwd', 'swan'):
		os.makedirs(os.path.join(workdir, d), exist_ok=True)
	# hybridgw in gb answers; charon in ga (behind the NAT) initiates
	cfg = ipsec.write(workdir, 'gw.xml', ipsec.hgw_config(
		'192.0.2.2', '192.0.2.254', remote_prefixes=[LAN_A], ike={
			'initiation': 'respond', 'remote-id': '172.16.0.1'}))
	d = hgwd(ns['gb'], cfg, workdir=os.path.join(workdir, 'hgwd'))
	swan_up(swan, ns, workdir, local='172.16.0.1', remote='192.0.2.2', gw='ga',
		lts=LAN_A, rts=LAN_B, local_id='172.16.0.1', remote_id='192.0.2.2', start='start')
	ipsec.wait_up(d, 20)
	assert ipsec.ping(ns['hb'], ipsec.HA)
	ike, child = sa(d)
	assert ike['nat-remote'] is True
	assert ike['remote-address'] == '192.0.2.254'
	assert child['udp-encapsulation'] is True
	# masquerade random: the peer's port is the NAT's, and ESP goes there
	assert int(ike['remote-port']) != 500


# ---------------------------------------------------------------- rekey under load

def _rekeys(d, start_child, start_ike):
	ike, child = sa(d)
	return (child and child['spi-in'] != start_child, ike and ike['initiator-spi'] != start_ike)


@pytest.mark.parametrize('who', ['hybridgw'] + full_only('swan'))
def test_rekey_under_iperf(env, hgwd, swan, who):
	"""IKE and Child SA rekeys (made by us, or by charon) during an iperf3
	UDP stream from ha to hb lose nothing on our side: every datagram left
	us on an SA charon held (no packet without an outbound SA, none from
	charon on an SA we lacked, no ESP errors), and whatever hb missed was
	dropped by gb's kernel because charon's socket buffer was full: charon
	stops reading while it installs its SAs (Udp RcvbufErrors account for
	every loss). hybridgw <-> hybridgw proves zero loss end to end."""
	ns, wd = env
	if who == 'hybridgw':
		d = hgw_up(hgwd, ns, wd, ike={'lifetime': 22}, esp_opts={'lifetime': 12})
		swan_up(swan, ns, wd)
	else:
		d = hgw_up(hgwd, ns, wd)
		# charon's Child SA lives well past the stream: kernel-libipsec
		# sometimes misses the soft expiry of a Child SA that moved to a
		# rekeyed IKE SA, and its hard expiry would end the tunnel
		swan_up(swan, ns, wd, rekey_time=20, child_rekey_time=10, child_life_time=60,
			child_rand_time=2)
	ipsec.wait_up(d)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	ike0, child0 = sa(d)
	dp0 = ipsec.dataplane(d)	# the device's own first packets met no SA yet
	out0 = int(ipsec.tunnel(d)['counters']['packets-out'])
	rcv0 = ipsec.udp_rcvbuf_errors(ns['gb'])
	client, server = ipsec.iperf(ns['ha'], ns['hb'], ipsec.HB, 30, ipsec.UDP_STREAM)
	rcv1 = ipsec.udp_rcvbuf_errors(ns['gb'])
	t = ipsec.tunnel(d)
	ike1, child1 = sa(d)
	assert child1['spi-in'] != child0['spi-in'], 'no Child SA rekey'
	assert ike1['initiator-spi'] != ike0['initiator-spi'], 'no IKE SA rekey'
	assert len(ipsec.log_times(d.log, 'rekeyed')) >= 3
	end = server['end']['sum']
	sent = client['end']['sum'].get('packets', end['packets'])
	assert int(t['counters']['packets-out']) - out0 >= sent	# all went out on ESP
	assert end['lost_packets'] <= rcv1 - rcv0, (end, rcv1 - rcv0)
	assert int(t['up-count']) == 1		# never went down
	dp = ipsec.dataplane(d)
	assert dp['no-outbound-sa'] == dp0['no-outbound-sa'], (dp0, dp)
	assert dp['unknown-spi'] == dp0['unknown-spi'], (dp0, dp)
	for k in ('out-drops', 'replay-drops', 'auth-failures', 'decrypt-errors'):
		assert t['counters'][k] == '0', t['counters']


# ---------------------------------------------------------------- DPD, restarts

DPD = 9


def test_dpd_silent_peer(env, hgwd, swan, silence):
	ns, wd = env
	swan_up(swan, ns, wd)
	d = hgw_up(hgwd, ns, wd, ike={'dpd-timeout': DPD})
	ipsec.wait_up(d)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	silence(ns['gb'], 'wan')
	t0 = time.monotonic()
	util.wait_for(lambda: ipsec.tunnel_state(d) != 'up', 3 * DPD, 0.1, 'DPD')
	took = time.monotonic() - t0
	t = ipsec.tunnel(d)
	assert t['reason'] == 'dpd', t
	# the peer is dead a DPD timeout after it was last heard (before the
	# silence): the bound is in DPD timeouts, the margin for the poll
	assert took <= 1.5 * DPD, took
	assert 'the peer is dead' in open(d.log).read()


def test_swan_restart_initiator(env, hgwd, swan):
	"""charon restarts and initiates again: INITIAL_CONTACT, the old SAs go."""
	ns, wd = env
	d = hgw_up(hgwd, ns, wd, ike={'initiation': 'respond'})
	s = swan_up(swan, ns, wd, start='start')
	ipsec.wait_up(d, 20)
	ike0, _ = sa(d)
	swan_restart(s)
	util.wait_for(lambda: (sa(d)[0] or {}).get('initiator-spi', ike0['initiator-spi']) !=
		      ike0['initiator-spi'], 20, 0.2, 'a new IKE SA')
	ipsec.wait_up(d)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	t = ipsec.tunnel(d)
	assert len(t['ike-sa']) == 1, t		# the stale one is gone
	assert 'initial contact' in open(d.log).read()


def test_swan_restart_responder(env, hgwd, swan):
	"""charon restarts as a responder: DPD finds our SA dead, we set up again."""
	ns, wd = env
	s = swan_up(swan, ns, wd)
	d = hgw_up(hgwd, ns, wd, ike={'dpd-timeout': 6})
	ipsec.wait_up(d)
	swan_restart(s)
	util.wait_for(lambda: int(ipsec.tunnel(d)['up-count']) >= 2 and
		      ipsec.tunnel_state(d) == 'up', 30, 0.2, 'the tunnel back up')
	assert ipsec.ping(ns['ha'], ipsec.HB)


def test_swan_rekeys_ike(env, hgwd, swan):
	"""charon rekeys the IKE SA (we answer): the new SA carries on."""
	ns, wd = env
	swan_up(swan, ns, wd, rekey_time=6)
	d = hgw_up(hgwd, ns, wd)
	ipsec.wait_up(d)
	ike0, _ = sa(d)
	util.wait_for(lambda: (sa(d)[0] or ike0)['initiator-spi'] != ike0['initiator-spi'], 20,
		      0.2, 'an IKE SA rekey')
	time.sleep(8)	# and another, on the new SA
	ike1, _ = sa(d)
	assert ike1['initiator-spi'] != ike0['initiator-spi']
	assert ipsec.tunnel_state(d) == 'up' and int(ipsec.tunnel(d)['up-count']) == 1
	assert ipsec.ping(ns['ha'], ipsec.HB)


def test_swan_deletes(env, hgwd, swan):
	"""charon deletes the Child SA: down with the reason, then up again."""
	ns, wd = env
	s = swan_up(swan, ns, wd)
	d = hgw_up(hgwd, ns, wd)
	ipsec.wait_up(d)
	s.swanctl(['--terminate', '--child', 'hgw'])
	util.wait_for(lambda: 'peer-deleted' in open(d.log).read(), 10, 0.1, 'down')
	ipsec.wait_up(d, 15)
	assert ipsec.ping(ns['ha'], ipsec.HB)
	s.swanctl(['--terminate', '--ike', 'hgw'])
	util.wait_for(lambda: 'the peer deleted the IKE SA' in open(d.log).read(), 10, 0.1,
		      'IKE SA deleted')
	ipsec.wait_up(d, 15)
	assert ipsec.ping(ns['ha'], ipsec.HB)


# ---------------------------------------------------------------- BGP inside

FRR_CONF = '''frr defaults datacenter
hostname gb
log file $DIR/bgpd.log
router bgp 65020
 bgp router-id 10.255.0.2
 no bgp ebgp-requires-policy
 neighbor 169.254.21.2 remote-as 65010
 neighbor 169.254.21.2 update-source 169.254.21.1
 neighbor 169.254.21.2 timers connect 1
 neighbor 169.254.21.2 advertisement-interval 0
 address-family ipv4 unicast
  network 10.2.0.0/24
 exit-address-family
'''


def test_bgp_inside_over_esp(env, hgwd, swan, frr):
	"""FRR next to charon: BGP over the tunnel, its route installed via the
	tunnel device, traffic follows it."""
	ns, wd = env
	ns['gb'].run(['ip', 'addr', 'add', '169.254.21.1/32', 'dev', 'lo'])
	swan_up(swan, ns, wd, lts=LAN_B + ',169.254.21.1/32', rts=LAN_A + ',169.254.21.2/32')
	d = hgw_up(hgwd, ns, wd, remote_prefixes=[], inside='169.254.21.2/30',
		   bgp=('169.254.21.1', 65020), local_prefixes=[LAN_A])
	ipsec.wait_up(d)
	os.makedirs(os.path.join(wd, 'frr'), exist_ok=True)
	frr(ns['gb'], FRR_CONF, workdir=os.path.join(wd, 'frr'))

	def established():
		for n in d.ctl('show bgp')['hybridgw:gateway-state']['bgp'].get('neighbor', []):
			if n['address'] == '169.254.21.1':
				return n['state'] == 'established'
		return False
	util.wait_for(established, 30, 0.2, 'BGP inside the tunnel')
	util.wait_for(lambda: 'dev ipsec-t1' in ns['ga'].out(['ip', 'route', 'get', ipsec.HB]),
		      15, 0.2, 'the BGP route via the tunnel')
	assert ipsec.ping(ns['ha'], ipsec.HB)
	t = ipsec.tunnel(d)
	assert int(t['counters']['packets-in']) > 3	# BGP and the pings came over ESP
