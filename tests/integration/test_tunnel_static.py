# SPDX-License-Identifier: ISC
# tests/integration/test_tunnel_static.py - a vpn-connection without ike (its interface managed elsewhere, here a veth): static remote prefixes go into the kernel via that device.
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

from hgwlab.fixtures import *	# noqa: F401,F403,E402
from hgwlab import util	# noqa: E402

CONFIG = '''<gateway xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw">
  <router-id>10.255.0.1</router-id>
  <as>65010</as>
  <vpn-connection>
    <name>branch</name>
    <role>site</role>
    <remote-prefix>10.200.0.0/16</remote-prefix>
    <remote-prefix>2001:db8:200::/48</remote-prefix>
    <tunnel>
      <name>t1</name>
      <local-address>192.0.2.1</local-address>
      <remote-address>198.51.100.1</remote-address>
      <interface>tun-br</interface>
    </tunnel>
  </vpn-connection>
</gateway>
'''


def test_tunnel_statics_route_via_the_device(netns, hgwd, workdir):
	ns = netns('gw')
	ns.run(['ip', 'link', 'add', 'tun-br', 'type', 'veth', 'peer', 'name', 'tun-far'])
	ns.link_up('tun-br')
	ns.link_up('tun-far')
	cfg = os.path.join(workdir, 'gw.xml')
	with open(cfg, 'w') as f:
		f.write(CONFIG)
	d = hgwd(ns, cfg)

	def installed():
		return ('dev tun-br' in ns.out(['ip', 'route', 'get', '10.200.1.1']) and
			'dev tun-br' in ns.out(['ip', '-6', 'route', 'get', '2001:db8:200::1']))
	util.wait_for(installed, 10.0, 0.05, 'statics via tun-br')
	v4 = ns.out(['ip', 'route', 'get', '10.200.1.1'])
	assert 'via' not in v4, v4	# the device, no gateway
	r = ns.out(['ip', 'route', 'show', 'proto', '196'])
	assert '10.200.0.0/16 nhid' in r, r
	r6 = ns.out(['ip', '-6', 'route', 'show', 'proto', '196'])
	assert '2001:db8:200::/48 nhid' in r6, r6
	# one device-only nexthop object (IPv6 family: usable by both) in a group
	nh = ns.out(['ip', 'nexthop', 'show'])
	assert 'dev tun-br scope link' in nh, nh
	routes = d.ctl('show routes')
	got = {r['prefix']: r for r in routes['hybridgw:gateway-state']['rib']['route']}
	assert got['10.200.0.0/16']['active-class'] == 'vpn', got
	assert 'fib-error' not in got['10.200.0.0/16'], got
	time.sleep(0.2)
	log = open(d.log).read()
	assert 'refused' not in log, log
	assert d.stop() == 0
