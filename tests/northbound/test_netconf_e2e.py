# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_e2e.py - a configuration pushed over NETCONF drives the
real gateway: a circuit link added through candidate + commit brings up eBGP with FRR
8.4 (routes both ways, NETCONF <get> shows the session established), a refused
config leaves the session and the routes alone, and a confirmed commit that is not
confirmed takes the session away again."""

import os
import sys
import time

import pytest
from ncclient.operations.rpc import RPCError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'interop'))

import bgp_helpers as H	# noqa: E402
from nclib import HGW, Server, cfg, users_xml, xp	# noqa: E402
from hgwlab import util	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

NETS4 = ['192.0.2.0/24', '198.51.100.0/25']
LINK = ('<circuit><name>er1</name><link><name>primary</name><interface>gw0</interface>'
	'<local-address>%s</local-address><bgp><peer-address>%s</peer-address>'
	'<peer-as>%d</peer-as><hold-time>9</hold-time><connect-retry>1</connect-retry>'
	'</bgp></link></circuit>' % (H.GW4, H.PEER4, H.PEER_AS))


def nc_state(m):
	r = m.get(filter=('subtree', '<gateway-state xmlns="%s"><bgp><neighbor><address>%s'
			  '</address><state/></neighbor></bgp></gateway-state>' % (HGW, H.PEER4)))
	s = xp(r, '//h:neighbor/h:state/text()')
	return s[0] if s else None


@pytest.fixture
def nclab(hgw_bin, netns, workdir, frr):
	gw, pe = H.link(netns)
	f = frr(pe, H.frr_conf(NETS4, v6=False))
	# the gateway starts without the circuit: only its identity, a LAN
	# prefix to advertise, and the NETCONF users
	text = ('<gateway xmlns="%s"><router-id>%s</router-id><as>%d</as>'
		'<lan><local-prefix>203.0.113.0/24</local-prefix></lan>%s</gateway>\n' %
		(HGW, H.GW4, H.GW_AS, users_xml()))
	s = Server(gw, workdir, config_text=text).start()
	yield s, f
	s.stop()


def test_netconf_config_brings_up_bgp(nclab):
	srv, f = nclab
	m = srv.connect()
	m.edit_config(target='candidate', config=cfg(LINK))
	time.sleep(1.5)
	assert f.bgp_neighbors().get(H.GW4) != 'Established'	# candidate only
	m.commit()
	H.wait_state(srv.d)
	f.wait_established(H.GW4)
	util.wait_for(lambda: nc_state(m) == 'established', 10, 0.2, 'NETCONF shows established')
	H.wait_routes(srv.d, lambda r: set(NETS4) <= set(r))
	util.wait_for(lambda: '203.0.113.0/24' in H.frr_routes(f), 10, 0.1, 'FRR has our prefix')

	# the Adj-RIB-In of the neighbor, asked for by a subtree filter
	r = m.get(filter=('subtree', '<gateway-state xmlns="%s"><bgp><neighbor><address>%s</address>'
			  '<route><direction>received</direction></route></neighbor></bgp>'
			  '</gateway-state>' % (HGW, H.PEER4)))
	assert sorted(xp(r, '//h:route/h:prefix/text()')) == sorted(NETS4)
	assert set(xp(r, '//h:route/h:direction/text()')) == {'received'}
	assert xp(r, '//h:route/h:next-hop/text()')[0] == H.PEER4
	r = m.get(filter=('subtree', '<gateway-state xmlns="%s"><bgp><neighbor><address>%s</address>'
			  '<route><direction>advertised</direction><prefix/></route></neighbor></bgp>'
			  '</gateway-state>' % (HGW, H.PEER4)))
	assert xp(r, '//h:route/h:prefix/text()') == ['203.0.113.0/24']
	# the RIB entry of one prefix, by XPath
	r = m.get(filter=('xpath', ({'h': HGW}, "/h:gateway-state/h:rib/h:route[h:prefix='%s']" %
				    NETS4[0])))
	assert xp(r, '//h:rib/h:route/h:prefix/text()') == [NETS4[0]]
	assert xp(r, '//h:rib/h:route/h:active-class/text()') == ['circuit']

	# a refused edit (invalid value) changes nothing: same session, same routes
	before = H.frr_neighbor(f)['connectionsEstablished']
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='running', config=cfg(
			'<circuit><name>er1</name><link><name>primary</name><bgp><peer-as>70000000000'
			'</peer-as></bgp></link></circuit>'))
	assert ei.value.tag == 'invalid-value' and 'peer-as' in ei.value.path
	with pytest.raises(RPCError):
		m.edit_config(target='running', config=cfg(
			'<vpn-connection><name>v1</name><role>site</role></vpn-connection>'))
	time.sleep(1.0)
	assert H.state(srv.d) == 'established'
	assert H.frr_neighbor(f)['connectionsEstablished'] == before
	assert '203.0.113.0/24' in H.frr_routes(f)

	# a new LAN prefix over NETCONF reaches FRR without a session reset
	m.edit_config(target='running', config=cfg('<lan><local-prefix>203.0.113.128/25'
						   '</local-prefix></lan>'))
	util.wait_for(lambda: '203.0.113.128/25' in H.frr_routes(f), 10, 0.1, 'FRR has the new one')
	assert H.frr_neighbor(f)['connectionsEstablished'] == before


def test_unconfirmed_commit_takes_the_session_away(nclab):
	srv, f = nclab
	m = srv.connect()
	m.edit_config(target='candidate', config=cfg(LINK))
	m.commit(confirmed=True, timeout='6')
	f.wait_established(H.GW4)
	H.wait_state(srv.d)
	# not confirmed: the link is rolled back and the session goes
	util.wait_for(lambda: f.bgp_neighbors().get(H.GW4) != 'Established', 20, 0.2,
		      'session torn down by the rollback')
	assert xp(m.get_config('running'), '//h:circuit') == []


def _events(m, want, timeout=10.0):
	"""Notification elements (children of <notification>) until `want` (a
	predicate over one) matched; returns all seen."""
	from lxml import etree
	got = []
	end = time.time() + timeout
	while time.time() < end:
		n = m.take_notification(block=True, timeout=max(0.1, end - time.time()))
		if n is None:
			continue
		for c in etree.fromstring(n.notification_xml.encode()):
			got.append(c)
			if want(c):
				return got
	raise AssertionError('notification not received; got %s' %
			     [etree.QName(c).localname for c in got])


def _local(e):
	from lxml import etree
	return etree.QName(e).localname


def test_operational_rpcs_and_gateway_notifications(nclab):
	"""what-if, drain-circuit (path-switch notification), clear-bgp-neighbor
	(bgp-session-state down/up), all through NETCONF."""
	from ncclient.xml_ import to_ele
	NC = 'urn:hybridgw:params:xml:ns:yang:hybridgw-netconf'
	srv, f = nclab
	m = srv.connect()
	m.edit_config(target='running', config=cfg(LINK))
	H.wait_state(srv.d)
	H.wait_routes(srv.d, lambda r: set(NETS4) <= set(r))
	sub = srv.connect()
	sub.create_subscription()

	r = m.dispatch(to_ele('<what-if xmlns="%s"><fail>er1</fail></what-if>' % NC))
	assert xp(r, '//n:prefixes-unreachable/text()') == ['2']
	assert sorted(xp(r, '//n:route/n:prefix/text()')) == sorted(NETS4)
	with pytest.raises(RPCError) as ei:
		m.dispatch(to_ele('<what-if xmlns="%s"><fail>nope</fail></what-if>' % NC))
	assert 'nope' in ei.value.message

	r = m.dispatch(to_ele('<drain-circuit xmlns="%s"><name>er1</name></drain-circuit>' % NC))
	assert xp(r, '//n:prefixes-moved/text()')
	evs = _events(sub, lambda c: _local(c) == 'path-switch')
	ps = [c for c in evs if _local(c) == 'path-switch'][0]
	assert ps.findtext('{%s}trigger' % NC) == 'drain'
	assert ps.findtext('{%s}connection' % NC) == 'er1'
	assert ps.findtext('{%s}source' % NC).startswith('circuit er1 link')
	assert ps.findtext('{%s}from-class' % NC) == 'circuit'
	m.dispatch(to_ele('<drain-circuit xmlns="%s"><name>er1</name><drain>false</drain>'
			  '</drain-circuit>' % NC))
	with pytest.raises(RPCError):
		m.dispatch(to_ele('<drain-circuit xmlns="%s"><name>er9</name></drain-circuit>' % NC))
	v = srv.connect('view')
	with pytest.raises(RPCError) as ei:
		v.dispatch(to_ele('<drain-circuit xmlns="%s"><name>er1</name></drain-circuit>' % NC))
	assert ei.value.tag == 'access-denied'

	before = H.frr_neighbor(f)['connectionsEstablished']
	m.dispatch(to_ele('<clear-bgp-neighbor xmlns="%s"><address>%s</address>'
			  '</clear-bgp-neighbor>' % (NC, H.PEER4)))
	evs = _events(sub, lambda c: _local(c) == 'bgp-session-state' and
		      c.findtext('{%s}state' % NC) == 'down', timeout=15)
	evs += _events(sub, lambda c: _local(c) == 'bgp-session-state' and
		       c.findtext('{%s}state' % NC) == 'up', timeout=30)
	states = [c.findtext('{%s}state' % NC) for c in evs if _local(c) == 'bgp-session-state']
	assert 'down' in states and states[-1] == 'up'
	assert [c.findtext('{%s}neighbor' % NC) for c in evs
		if _local(c) == 'bgp-session-state'][-1] == H.PEER4
	util.wait_for(lambda: H.frr_neighbor(f)['connectionsEstablished'] > before, 20, 0.2,
		      'FRR saw the session come back')
