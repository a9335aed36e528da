# SPDX-License-Identifier: ISC
"""hgwlab/vpnpaths.py - IPsec tunnels as route-manager paths: one hybridgwd
(ga) with an active-active vpn-connection to two cloud VPN instances, each
a strongSwan charon (kernel-libipsec) with FRR bgpd beside it running BGP
inside its tunnel (169.254.21.x / 169.254.22.x, as the cloud does):

    ha (10.1.0.2) -- ga ==wan1 192.0.2.0/24==    gb  (charon + bgpd, AS 65515)
                        ==wan2 198.51.100.0/24== gc  (charon + bgpd, AS 65515)

Both instances advertise the same N cloud prefixes (CLOUD_NET.i.0/24) with
the same AS path, so hybridgwd installs them over one ECMP nexthop group of
both tunnels, and 10.200.0.1 (on each instance's lo) answers pings through
either. up() starts everything and waits for ECMP in ga's kernel."""

import os
import time

from . import ipsec, util
from .netns import veth

INSTANCES = {
	# name: (our outer address, its outer address, wan, our inside, its inside, ifname)
	'gb': ('192.0.2.1', '192.0.2.2', 'wan1', '169.254.21.2', '169.254.21.1', 'ipsec-t1'),
	'gc': ('198.51.100.1', '198.51.100.2', 'wan2', '169.254.22.2', '169.254.22.1', 'ipsec-t2'),
}
TUNNEL_OF = {'gb': 't1', 'gc': 't2'}
PROBE = '10.200.0.1'
LAN_A = '10.1.0.0/24'
CLOUD_AS = 65515
CONN = 'cloud'


def cloud_prefixes(n):
	"""The N prefixes both instances advertise: 10.200.0.0/24 (the probe's)
	and then 10.(201 + i // 256).(i % 256).0/24."""
	out = ['10.200.0.0/24']
	for i in range(n - 1):
		out.append('10.%d.%d.0/24' % (201 + i // 256, i % 256))
	return out


def topology(make_ns):
	"""ha, ga, gb, gc (the netns fixture's make_ns); returns the dict."""
	ns = {k: make_ns(k) for k in ('ha', 'ga', 'gb', 'gc')}
	for k in ns:
		ns[k].sysctl('net.ipv6.conf.default.accept_dad', 0)
		ns[k].sysctl('net.ipv6.conf.all.accept_dad', 0)
	veth(ns['ha'], 'eth0', ns['ga'], 'lan', '10.1.0.2/24', '10.1.0.1/24')
	ns['ha'].run(['ip', 'route', 'add', 'default', 'via', '10.1.0.1'])
	ns['ga'].sysctl('net.ipv4.ip_forward', 1)
	for g, (local, remote, wan, _, inside_peer, _) in INSTANCES.items():
		veth(ns['ga'], wan, ns[g], 'wan', local + '/24', remote + '/24')
		ns[g].run(['ip', 'addr', 'add', inside_peer + '/32', 'dev', 'lo'])
		ns[g].run(['ip', 'addr', 'add', PROBE + '/32', 'dev', 'lo'])
	return ns


def hgw_config(dpd=6, failback=5, hold=9, tunnels=('gb', 'gc'), preference='circuit',
	       child_lifetime=None):
	"""ga's configuration: one cloud vpn-connection, a tunnel per instance
	(child_lifetime: the Child SAs' lifetime in seconds, to see rekeys)."""
	tx = ''
	for g in tunnels:
		local, remote, _, inside, peer, ifn = INSTANCES[g]
		tx += '''
    <tunnel>
      <name>%s</name>
      <local-address>%s</local-address>
      <remote-address>%s</remote-address>
      <interface>%s</interface>
      <inside-address>%s/30</inside-address>
      <bgp>
        <peer-address>%s</peer-address>
        <peer-as>%d</peer-as>
        <hold-time>%d</hold-time>
        <connect-retry>1</connect-retry>
      </bgp>
    </tunnel>''' % (TUNNEL_OF[g], local, remote, ifn, inside, peer, CLOUD_AS, hold)
	return '''<gateway xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw">
  <router-id>10.255.0.1</router-id>
  <as>65010</as>
  <policy>
    <preference>%(pref)s</preference>
    <failback-delay>%(fb)d</failback-delay>
    <maximum-paths>2</maximum-paths>
  </policy>
  <vpn-connection>
    <name>%(conn)s</name>
    <role>cloud</role>
    <ike>
      <pre-shared-key>%(psk)s</pre-shared-key>
      <dpd-timeout>%(dpd)d</dpd-timeout>
    </ike>%(esp)s%(tx)s
  </vpn-connection>
  <lan>
    <local-prefix>%(lan)s</local-prefix>
  </lan>
</gateway>
''' % {'pref': preference, 'fb': failback, 'conn': CONN, 'psk': ipsec.PSK, 'dpd': dpd,
       'tx': tx, 'lan': LAN_A,
       'esp': '\n    <esp><lifetime>%d</lifetime></esp>' % child_lifetime if child_lifetime else ''}


def frr_conf(g, n):
	_, _, _, inside, peer, _ = INSTANCES[g]
	nets = ''.join('  network %s\n' % p for p in cloud_prefixes(n))
	return '''frr defaults datacenter
hostname %(g)s
log file $DIR/bgpd.log
router bgp %(asn)d
 bgp router-id %(peer)s
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor %(ours)s remote-as 65010
 neighbor %(ours)s update-source %(peer)s
 neighbor %(ours)s timers 3 9
 neighbor %(ours)s timers connect 1
 neighbor %(ours)s advertisement-interval 0
 address-family ipv4 unicast
%(nets)s exit-address-family
''' % {'g': g, 'asn': CLOUD_AS, 'peer': peer, 'ours': inside, 'nets': nets}


def swanctl(g, dpd_delay=None):
	local, remote, _, inside, peer, _ = INSTANCES[g]
	return ipsec.swanctl(remote, local, '%s/32,10.200.0.0/14' % peer,
			     '%s/32,%s' % (inside, LAN_A), dpd_delay=dpd_delay)


class Lab:
	"""The started set: ns, the hybridgwd (d), the charons and bgpds by
	instance name, and what the tests read."""

	def __init__(self, ns, d, swans, frrs, n):
		self.ns, self.d, self.swans, self.frrs, self.n = ns, d, swans, frrs, n
		self.prefixes = cloud_prefixes(n)

	def journal(self):
		st = self.d.ctl('show failover').get('hybridgw:gateway-state', {})
		return st.get('failover', {}).get('event', [])

	def kernel(self):
		"""{prefix: route} of ga's proto hybridgw routes (nhid resolved)."""
		return {r['dst']: r for r in self.ns['ga'].routes(proto=196)}

	def gateways(self, route):
		if 'nexthops' in route:
			return sorted(h.get('gateway') for h in route['nexthops'])
		return [route.get('gateway')] if route.get('gateway') else []

	def spread(self):
		"""{tuple of gateways: count} over the cloud prefixes in the kernel,
		plus {prefix: nhid}."""
		k = self.kernel()
		spread, nhids = {}, {}
		for p in self.prefixes:
			r = k.get(p)
			gws = tuple(self.gateways(r)) if r else ()
			spread[gws] = spread.get(gws, 0) + 1
			nhids[p] = r.get('nhid') if r else None
		return spread, nhids

	def wait_spread(self, gws, timeout, what):
		"""Wait until every cloud prefix forwards to exactly gws."""
		want = {tuple(sorted(gws)): self.n}
		util.wait_for(lambda: self.spread()[0] == want, timeout, 0.05, what)
		return time.monotonic()

	def apply(self, xml):
		path = ipsec.write(os.path.dirname(self.d.workdir), 'apply.xml', xml)
		return self.d.ctl(['config', 'apply', path], json=False)

	def connection(self, name=CONN):
		"""The connection's entry (show vpn --json, vpn/connection), or None."""
		st = self.d.ctl('show vpn')['hybridgw:gateway-state'].get('vpn', {})
		for c in st.get('connection', []):
			if c['name'] == name:
				return c
		return None

	def established(self, peer):
		for nb in self.d.ctl('show bgp')['hybridgw:gateway-state']['bgp'].get('neighbor', []):
			if nb['address'] == peer:
				return nb['state'] == 'established'
		return False


def up(ns, wd, hgwd, swan, frr, n=200, dpd=6, failback=5, swan_dpd=None, timeout=60,
       child_lifetime=None):
	"""Start both instances (charon, then bgpd) and hybridgwd; wait for both
	tunnels, both BGP sessions and ECMP over both for every cloud prefix."""
	swans, frrs = {}, {}
	for g in INSTANCES:
		sd = os.path.join(wd, 'swan-' + g)
		os.makedirs(sd, exist_ok=True)
		swans[g] = swan(ns[g], swanctl(g, swan_dpd), workdir=sd, name='swan-' + g,
				strongswan_conf=ipsec.swan_conf())
	cfg = ipsec.write(wd, 'gw.xml', hgw_config(dpd=dpd, failback=failback,
						   child_lifetime=child_lifetime))
	os.makedirs(os.path.join(wd, 'hgwd'), exist_ok=True)
	d = hgwd(ns['ga'], cfg, workdir=os.path.join(wd, 'hgwd'), extra_args=ipsec.debug_args())
	for g in INSTANCES:
		fd = os.path.join(wd, 'frr-' + g)
		os.makedirs(fd, exist_ok=True)
		frrs[g] = frr(ns[g], frr_conf(g, n), workdir=fd, name='frr-' + g)
	lab = Lab(ns, d, swans, frrs, n)
	for g in INSTANCES:
		ipsec.wait_up(d, timeout, CONN, TUNNEL_OF[g])
	for g in INSTANCES:
		util.wait_for(lambda: lab.established(INSTANCES[g][4]), timeout, 0.2,
			      'BGP inside tunnel %s' % TUNNEL_OF[g])
	lab.wait_spread([INSTANCES[g][4] for g in INSTANCES], timeout, 'ECMP over both tunnels')
	return lab
