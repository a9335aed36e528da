# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_bulk.py - the full NETCONF <get> prints the RIB's routes
itself (northbound/nb_netconf_bulk.c: pre-printed XML in ~30 KB pieces, for speed). This
proves the reply is the same as libyang's: the <rib> of an unfiltered <get> is byte for
byte the <rib> of a <get> whose subtree filter selects gateway-state (that path builds
the routes as libyang nodes and lets libyang print them), the whole <data> matches the
filtered gets and <get-config> once volatile counters are dropped, every with-defaults
mode says the same, and each route equals `hybridgwctl show routes --json` (libyang's
JSON of the same RIB). The RIB holds more than one piece of routes: IPv4 and IPv6,
BGP routes with next hops from a BIRD LAN peer, VPN statics without (FIB errors), and
prefixes with both (active + backup), learned at different times."""

import os
import re
import sys
import time

import pytest
from lxml import etree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nclib import HGW, NSMAP, Server, cfg, users_xml	# noqa: E402
from hgwlab import util	# noqa: E402
from hgwlab.netns import veth	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

GW_AS, PEER_AS = 65010, 65100
N_BGP = 400		# /24s from BIRD, 40 of them also VPN statics
N_STATIC = 300		# /24s of the VPN connections
N_V6 = 12
WD_NS = 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults'

# values that change between two gets of the same state
VOLATILE = {'uptime', 'messages-in', 'messages-out', 'updates-in', 'updates-out',
	    'in-rpcs', 'in-bad-rpcs', 'out-rpc-errors', 'out-notifications', 'in-sessions',
	    'dropped-sessions', 'in-bad-hellos', 'login-time'}


def bgp_prefix(i):
	return '198.%d.%d.0/24' % (18 + i // 256, i % 256)


def static_prefix(i):
	# the first 40 are also announced by BIRD
	return bgp_prefix(i) if i < 40 else '100.%d.%d.0/24' % (i // 256, i % 256)


def gw_config():
	out = ['<gateway xmlns="%s"><router-id>10.79.0.1</router-id><as>%d</as>' % (HGW, GW_AS)]
	for c in range(3):
		out.append('<vpn-connection><name>site-%d</name><role>site</role>' % c)
		for i in range(c, N_STATIC, 3):
			out.append('<remote-prefix>%s</remote-prefix>' % static_prefix(i))
		for i in range(c, N_V6, 3):
			out.append('<remote-prefix>2001:db8:%x::/48</remote-prefix>' % (i * 0x101))
		# site-2's tunnel interface does not exist: the kernel refuses its
		# device nexthop, and those routes carry a fib-error
		out.append('<tunnel><name>t1</name><local-address>192.0.2.1</local-address>'
			   '<remote-address>198.51.100.%d</remote-address><interface>%s</interface>'
			   '</tunnel></vpn-connection>' % (c + 1, 'gone0' if c == 2 else 'lan0'))
	out.append('<lan><peer><name>bird</name><local-address>10.79.1.1</local-address><bgp>'
		   '<peer-address>10.79.1.2</peer-address><peer-as>%d</peer-as>'
		   '<graceful-restart>false</graceful-restart></bgp></peer>'
		   '<local-prefix>10.79.8.0/22</local-prefix>'
		   '<local-prefix>2001:db8:ffff::/48</local-prefix></lan>' % PEER_AS)
	out.append(users_xml())
	out.append('</gateway>\n')
	return ''.join(out)


def bird_conf():
	routes = ''.join('  route %s blackhole;\n' % bgp_prefix(i) for i in range(N_BGP))
	return '''router id 10.79.1.2;
log "$DIR/bird.log" { warning, error, fatal };
protocol device { }
protocol static routes_src {
  ipv4;
%s}
protocol bgp to_gw {
  local 10.79.1.2 as %d;
  neighbor 10.79.1.1 as %d;
  hold time 240;
  ipv4 { import none; export all; next hop self; };
}
''' % (routes, PEER_AS, GW_AS)


@pytest.fixture
def rib_srv(hgw_bin, netns, workdir, bird):
	gw, peer = netns('gw'), netns('peer')
	veth(gw, 'lan0', peer, 'gw0', '10.79.1.1/30', '10.79.1.2/30')
	s = Server(gw, workdir, config_text=gw_config()).start()
	os.makedirs(os.path.join(workdir, 'bird'), exist_ok=True)
	bird(peer, bird_conf(), workdir=os.path.join(workdir, 'bird'))
	want = N_BGP + N_STATIC - 40 + N_V6 + 2

	def full():
		doc = s.ctl('show routes', json=True)
		routes = doc.get('hybridgw:gateway-state', {}).get('rib', {}).get('route', [])
		nh = sum(1 for r in routes if r.get('active-next-hop'))
		return len(routes) >= want and nh >= N_BGP - 40 and routes
	util.wait_for(full, 60, 0.5, 'the RIB filled')
	# two more routes, a few seconds later: other `since` values
	time.sleep(2.1)
	m = s.connect('admin', timeout=60)
	m.edit_config(target='running', config=cfg(
		'<vpn-connection><name>site-1</name><remote-prefix>100.200.0.0/16</remote-prefix>'
		'<remote-prefix>2001:db8:beef::/48</remote-prefix></vpn-connection>'))
	m.close_session()

	def added():
		doc = s.ctl('show routes', json=True)
		got = {r['prefix'] for r in doc['hybridgw:gateway-state']['rib']['route']}
		return {'100.200.0.0/16', '2001:db8:beef::/48'} <= got
	util.wait_for(added, 20, 0.2, 'the new statics')
	time.sleep(1.0)		# settle: FIB groups, backups
	yield s
	s.stop()


def rib_text(xml):
	"""The <rib>...</rib> of a reply, as received."""
	m = re.search(r'<rib>.*?</rib>', xml, re.S)
	assert m, 'no <rib> in the reply'
	return m.group(0)


def canon(el):
	"""c14n of an element without the volatile leaves."""
	el = etree.fromstring(etree.tostring(el))
	for v in list(el.iter()):
		if isinstance(v.tag, str) and etree.QName(v).localname in VOLATILE:
			v.getparent().remove(v)
	return etree.tostring(el, method='c14n')


def data_of(reply):
	root = etree.fromstring(reply.xml.encode())
	return root.find('{urn:ietf:params:xml:ns:netconf:base:1.0}data')


def test_full_get_equals_libyang_print(rib_srv):
	srv = rib_srv
	m = srv.connect('admin', timeout=60)
	full = m.get()
	sub = m.get(filter=('subtree', '<gateway-state xmlns="%s"/>' % HGW))
	# the RIB: byte for byte (the filtered get builds and prints libyang nodes)
	fr, sr = rib_text(full.xml), rib_text(sub.xml)
	assert fr == sr
	n = fr.count('<route>')
	assert n >= N_BGP + N_STATIC - 40 + N_V6
	assert len(fr) > 3 * 30 * 1024, 'the RIB should span several pieces'
	# every kind of entry is in there
	assert '<active-next-hop>10.79.1.2</active-next-hop>' in fr
	assert '<backup-class>vpn</backup-class>' in fr
	assert '<prefix>2001:db8:' in fr and '<fib-error>' in fr
	assert len(set(re.findall(r'<since>([^<]*)</since>', fr))) >= 2
	# the whole reply: same elements, namespaces, order as the filtered gets
	fd = data_of(full)
	tops = [etree.QName(c).localname for c in fd]
	assert tops[:2] == ['gateway', 'gateway-state'], tops
	assert canon(fd[1]) == canon(data_of(sub)[0])
	cfg = m.get_config('running')
	assert canon(fd[0]) == canon(data_of(cfg)[0])
	for top, filt in (('netconf-state', '<netconf-state xmlns="urn:ietf:params:xml:ns:yang:'
				'ietf-netconf-monitoring"/>'),
			  ('netconf', '<netconf xmlns="urn:ietf:params:xml:ns:netmod:notification"/>')):
		el = [c for c in fd if etree.QName(c).localname == top]
		assert len(el) == 1, top
		assert canon(el[0]) == canon(data_of(m.get(filter=('subtree', filt)))[0])
	# with-defaults: the RIB has no defaults, every mode prints it the same
	for wd in ('report-all', 'trim', 'explicit', 'report-all-tagged'):
		r = m.get(with_defaults=wd)
		i = r.xml.find("rib")
		assert re.search(r'<rib>.*?</rib>', r.xml, re.S), (wd, r.xml[i - 300:i + 300])
		assert rib_text(r.xml) == fr, wd
	# a second full get (the first one's pieces were freed after sending)
	assert rib_text(m.get().xml) == fr
	m.close_session()


def test_full_get_routes_equal_show_routes(rib_srv):
	srv = rib_srv
	m = srv.connect('view', timeout=60)
	rib = data_of(m.get()).find('h:gateway-state/h:rib', NSMAP)
	m.close_session()
	doc = srv.ctl('show routes', json=True)
	want = doc['hybridgw:gateway-state']['rib']['route']
	got = []
	for r in rib:
		d = {}
		for leaf in r:
			name = etree.QName(leaf).localname
			if name.endswith('next-hop'):
				d.setdefault(name, []).append(leaf.text)
			elif name == 'fib-group':
				d[name] = int(leaf.text)
			else:
				d[name] = leaf.text
		got.append(d)
	assert len(got) == len(want)
	for g, w in zip(got, want):
		assert g == w, (g, w)
