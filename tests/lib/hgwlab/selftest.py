# SPDX-License-Identifier: ISC
"""hgwlab/selftest.py - checks of the harness itself against the real daemons:
`cd tests/lib && /usr/bin/python3 -m pytest -q hgwlab/selftest.py` (root), or
`/usr/bin/python3 -m hgwlab.selftest`. The lab tests need hybridgwd built ($HGW_BUILD)."""

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hgwlab	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

FRR_A = '''frr defaults traditional
hostname a
!
router bgp 65001
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 coalesce-time 50
 neighbor 10.0.0.2 remote-as 65002
 neighbor 10.0.0.2 timers 3 9
 neighbor 10.0.0.2 timers connect 1
 neighbor 10.0.0.2 advertisement-interval 0
 address-family ipv4 unicast
  network 192.0.2.0/24
 exit-address-family
!
'''

BIRD_B = '''router id 10.0.0.2;
log "$DIR/bird.log" all;
protocol device { }
protocol static { ipv4; route 203.0.113.0/24 blackhole; }
protocol bgp frr {
  local 10.0.0.2 as 65002;
  neighbor 10.0.0.1 as 65001;
  hold time 9; connect retry time 1; connect delay time 1;
  ipv4 { import all; export all; };
}
'''

FRR_BFD = '''frr defaults traditional
hostname %(name)s
!
bfd
 peer %(peer)s local-address %(me)s interface eth1
  receive-interval 100
  transmit-interval 100
 !
!
router bgp %(as)d
 bgp router-id %(me)s
 no bgp ebgp-requires-policy
 neighbor %(peer)s remote-as %(peeras)d
 neighbor %(peer)s timers 3 9
 neighbor %(peer)s timers connect 1
 neighbor %(peer)s bfd
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
!
'''

GOBGP = '''[global.config]
  as = 65001
  router-id = "10.0.0.1"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.2"
    peer-as = 65002
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
'''

EXABGP = '''neighbor 10.0.0.1 {
  router-id 10.0.0.2;
  local-address 10.0.0.2;
  local-as 65002;
  peer-as 65001;
  hold-time 9;
  static {
    route 203.0.113.0/24 next-hop self;
  }
}
'''

SWANCTL = '''connections {
  t {
    version = 2
    local_addrs = %(me)s
    remote_addrs = %(peer)s
    encap = yes
    proposals = %(ike)s
    local { auth = psk
            id = %(myid)s }
    remote { auth = psk
             id = %(peerid)s }
    children {
      t { local_ts = %(mynet)s
          remote_ts = %(peernet)s
          esp_proposals = %(esp)s
          start_action = none }
    }
  }
}
secrets {
  ike-1 { id-a = a@test
          id-b = b@test
          secret = "selftest-psk-0123456789" }
}
'''


# AES-GCM and x25519 need the openssl plugin (libstrongswan-standard-plugins)
if os.path.exists('/usr/lib/ipsec/plugins/libstrongswan-openssl.so'):
	SWAN_PROPOSALS = dict(ike='aes128gcm16-prfsha256-x25519', esp='aes128gcm16')
else:
	SWAN_PROPOSALS = dict(ike='aes128-sha256-modp2048', esp='aes128-sha256')


@pytest.fixture
def pair(netns):
	if os.geteuid() != 0:
		pytest.skip('needs root')
	a, b = netns('a', forwarding=True), netns('b', forwarding=True)
	hgwlab.veth(a, 'eth1', b, 'eth1', '10.0.0.1/30', '10.0.0.2/30')
	return a, b


def test_frr_standalone_and_bird(pair, frr, bird):
	a, b = pair
	f = frr(a, FRR_A, name='a')
	bd = bird(b, BIRD_B, name='b')
	f.wait_established('10.0.0.2', timeout=20)
	bd.wait_established('frr', timeout=20)
	hgwlab.wait_for(lambda: '203.0.113.0/24' in f.bgp_routes(), 10, 0.1, 'route at FRR')
	hgwlab.wait_for(lambda: '192.0.2.0/24' in bd.routes(), 10, 0.1, 'route at BIRD')
	assert f.procs.keys() == {'bgpd'}


def test_frr_full_stack_bfd_and_silence(pair, frr, silence):
	a, b = pair
	fa = frr(a, FRR_BFD % dict(name='a', me='10.0.0.1', peer='10.0.0.2', peeras=65002, **{'as': 65001}),
		 daemons=('bgpd', 'bfdd'), name='a')
	fb = frr(b, FRR_BFD % dict(name='b', me='10.0.0.2', peer='10.0.0.1', peeras=65001, **{'as': 65002}),
		 daemons=('bgpd', 'bfdd'), name='b')
	assert set(fa.procs) == {'zebra', 'bgpd', 'bfdd'}
	fa.wait_established('10.0.0.2', timeout=20)
	hgwlab.wait_for(lambda: any(p.get('status') == 'up' for p in fa.bfd_peers()), 10, 0.1,
			'BFD up')
	t0 = time.monotonic()
	silence(b)
	hgwlab.wait_for(lambda: fa.bgp_neighbors().get('10.0.0.2') != 'Established', 5, 0.02,
			'BGP down through BFD')
	assert time.monotonic() - t0 < 2.0, 'BFD (100 ms x 3) should take BGP down well before hold time'
	hgwlab.unsilence(b)
	fb.wait_established('10.0.0.1', timeout=20)


def test_gobgp_and_exabgp(pair, gobgp, exabgp):
	a, b = pair
	g = gobgp(a, GOBGP, name='a')
	e = exabgp(b, EXABGP, name='b')
	g.wait_established('10.0.0.2', timeout=30)
	hgwlab.wait_for(lambda: '203.0.113.0/24' in g.gobgp('global rib -a ipv4'), 10, 0.2,
			'ExaBGP route at GoBGP')
	e.send('announce route 198.51.100.0/24 next-hop self')
	hgwlab.wait_for(lambda: '198.51.100.0/24' in g.gobgp('global rib -a ipv4'), 10, 0.2,
			'announced route at GoBGP')


def test_strongswan_tunnel(pair, swan, netns):
	a, b = pair
	# inner networks on each side, reached through the tunnel
	ha, hb = netns('ha'), netns('hb')
	hgwlab.veth(a, 'eth2', ha, 'eth1', '192.168.10.1/24', '192.168.10.10/24')
	hgwlab.veth(b, 'eth2', hb, 'eth1', '192.168.20.1/24', '192.168.20.10/24')
	ha.route_add('default', via='192.168.10.1')
	hb.route_add('default', via='192.168.20.1')
	sa = swan(a, SWANCTL % dict(me='10.0.0.1', peer='10.0.0.2', myid='a@test', peerid='b@test',
				    mynet='192.168.10.0/24', peernet='192.168.20.0/24', **SWAN_PROPOSALS),
		  name='a')
	swan(b, SWANCTL % dict(me='10.0.0.2', peer='10.0.0.1', myid='b@test', peerid='a@test',
			       mynet='192.168.20.0/24', peernet='192.168.10.0/24', **SWAN_PROPOSALS),
	     name='b')
	sa.initiate('t')
	assert 'INSTALLED' in sa.list_sas()
	ha.run(['ping', '-c', '3', '-i', '0.2', '-W', '2', '192.168.20.10'])


def test_ping_stream_counts_loss(pair):
	a, b = pair
	p = hgwlab.PingStream(a, '10.0.0.2').start()
	time.sleep(0.5)
	with hgwlab.Silence(b):
		time.sleep(0.5)
	time.sleep(0.5)
	r = p.stop()
	assert r['received'] > 20
	assert 0.3 < r['outage_s'] < 2.0, r
	assert r['lost'] >= 15, r


def test_default_lab(hgw_bin, lab):
	t0 = time.monotonic()
	lb = lab(os.path.join(hgwlab.src_dir(), 'topologies', 'coexistence.clab.yml'))
	assert not lb.failed, lb.failed
	assert time.monotonic() - t0 < 20
	assert len(lb.wait_gateway('gw', 5, timeout=20)) == 5
	hgwlab.wait_for(lambda: set(lb.gateway_routes()) >=
			{'10.100.0.0/16', '10.50.0.0/16', '10.1.1.0/24'}, 10, 0.2, 'gateway routes')
	for src, dst in (('lanhost', '10.100.1.10'), ('lanhost', '10.50.1.10'),
			 ('sitehost', '10.100.1.10')):
		hgwlab.wait_for(lambda: lb.exec(src, ['ping', '-c1', '-W1', dst], check=False)
				.returncode == 0, 10, 0.2, '%s -> %s' % (src, dst))


def test_failover_lab(hgw_bin, lab, silence, ping_stream):
	lb = lab(os.path.join(hgwlab.src_dir(), 'topologies', 'failover.clab.yml'))
	assert not lb.failed, lb.failed
	assert len(lb.wait_gateway('gw', 4, timeout=20)) == 4
	hgwlab.wait_for(lambda: lb.exec('lanhost', ['ping', '-c1', '-W1', '10.100.1.10'],
					check=False).returncode == 0, 15, 0.2, 'lanhost -> cloudhost')
	p = ping_stream(lb.ns('lanhost'), '10.100.1.10')
	time.sleep(1)
	silence(lb.ns('ce1'))
	silence(lb.ns('ce2'))

	def vias():
		rt = lb.gateway_routes().get('10.100.0.0/16', {})
		return [n.get('gateway') for n in [rt] + rt.get('nexthops', [])]
	hgwlab.wait_for(lambda: vias() == ['169.254.21.1'], 5, 0.02, 'cloud route via the VPN only')
	hgwlab.wait_for(lambda: lb.exec('lanhost', ['ping', '-c1', '-W1', '10.100.1.10'],
					check=False).returncode == 0, 10, 0.1, 'lanhost -> cloudhost again')
	time.sleep(0.5)
	r = p.stop()
	assert r['recovered'], ('traffic did not come back over the VPN', r)
	assert r['outage_s'] < 5.0, r


def test_lab_config_override(hgw_bin, lab):
	"""A test can swap a node's config: here the gateway prefers the VPN."""
	src = os.path.join(hgwlab.src_dir(), 'topologies', 'configs', 'coexistence', 'gw', 'hybridgw.xml')
	with open(src) as f:
		xml = f.read().replace('<preference>circuit</preference>', '<preference>vpn</preference>')
	lb = lab(os.path.join(hgwlab.src_dir(), 'topologies', 'coexistence.clab.yml'),
		 configs={'gw': xml})
	lb.wait_gateway('gw', 5, timeout=20)
	rt = hgwlab.wait_for(lambda: lb.gateway_routes().get('10.100.0.0/16'), 10, 0.2, 'cloud route')
	hgwlab.wait_for(lambda: lb.gateway_routes()['10.100.0.0/16'].get('gateway') == '169.254.21.1',
			10, 0.2, 'cloud route via the VPN (preference vpn)')
	assert rt


def test_scale_failover_10k(hgw_bin, lab, silence):
	"""labconf.cloud_with_prefixes: 10k cloud prefixes behind both the circuit
	and the VPN; silencing both circuit edges moves all of them to the VPN."""
	from hgwlab import labconf
	n = 10000
	pfx = hgwlab.prefixes(n)
	lb = lab(os.path.join(hgwlab.src_dir(), 'topologies', 'failover.clab.yml'),
		 configs={'cloud': labconf.cloud_with_prefixes('failover', prefixes=pfx)})
	lb.wait_gateway('gw', 4, timeout=30)
	gw = lb.ns('gw')

	def count():
		return int(gw.out('ip -4 route show proto 196 | wc -l'))
	# waits, not verdicts: generous for a loaded machine and a sanitizer build
	hgwlab.wait_for(lambda: count() >= n, 180, 0.5, '%d routes in the gateway FIB' % n)
	# all routes may be in before the circuit's copies won (VPN first is fine)
	hgwlab.wait_for(lambda: (gw.route_get(pfx[-1].split('/')[0])[0] or '').startswith('172.16.1.'),
			60, 0.1, 'last prefix via the circuit')
	t0 = time.monotonic()
	silence(lb.ns('ce1'))
	silence(lb.ns('ce2'))
	t_silenced = time.monotonic()
	hgwlab.wait_for(lambda: gw.route_get(pfx[-1].split('/')[0])[0] == '169.254.21.1',
			30, 0.01, 'last prefix via the VPN')
	took = time.monotonic() - t0
	assert gw.route_get(pfx[0].split('/')[0])[0] == '169.254.21.1'
	# The verdict, in protocol units: BFD 100 ms x 3 detects within 0.3 s of
	# the silence (which itself took t_silenced - t0: two nft commands), and
	# the switch rewrites a few shared groups, not 10k routes - so it does not
	# grow with the prefix count. 2 s of margin for a loaded 2-core machine
	# and this test's own polling (an `ip route get` per 10 ms).
	assert took < (t_silenced - t0) + 0.3 + 2.0, (took, t_silenced - t0)


def test_lab_restart_gateway(hgw_bin, lab):
	"""stop_node/start_node: the gateway comes back and re-establishes."""
	lb = lab(os.path.join(hgwlab.src_dir(), 'topologies', 'coexistence.clab.yml'))
	lb.wait_gateway('gw', 5, timeout=20)
	assert lb.stop_node('gw') == 0
	hgwlab.wait_for(lambda: lb.daemon('ce1').bgp_neighbors()['172.16.1.1'] != 'Established',
			15, 0.2, 'ce1 sees the gateway go')
	lb.start_node('gw')
	lb.wait_gateway('gw', 5, timeout=20)
	lb.daemon('ce1').wait_established('172.16.1.1', timeout=20)


if __name__ == '__main__':
	sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', __file__] + sys.argv[1:]))
