# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_notif.py - RFC 5277 notifications from hybridgwd:
create-subscription on stream NETCONF, RFC 6470 events (config change with the
user and the edits, session start/end with kill reason, confirmed-commit
start/timeout), replay with startTime, subscription filters, refusals."""

import datetime
import os
import re
import sys
import threading
import time

import pytest
from lxml import etree
from ncclient.operations.rpc import RPCError
from ncclient.xml_ import to_ele

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nclib import HELLO11, HGW, NCN, NOTIF, Server, cfg, raw_session	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

NS = {'ncn': NCN, 'en': NOTIF, 'mev': 'urn:ietf:params:xml:ns:netmod:notification'}


@pytest.fixture
def srv(hgw_bin, netns, workdir):
	s = Server(netns('ntf'), workdir).start()
	yield s
	s.stop()


def events(m, until=None, timeout=5.0):
	"""Notifications (as lxml elements) received on m until one whose event
	element is named `until` (or the timeout)."""
	got = []
	end = time.time() + timeout
	while time.time() < end:
		n = m.take_notification(block=True, timeout=max(0.1, end - time.time()))
		if n is None:
			continue
		e = etree.fromstring(n.notification_xml.encode())
		got.append(e)
		if until and any(etree.QName(c).localname == until for c in e):
			break
	return got


def named(evs, name):
	out = []
	for e in evs:
		for c in e:
			if etree.QName(c).localname == name:
				out.append(c)
	return out


def test_config_change_notification(srv):
	a = srv.connect()
	a.create_subscription()
	b = srv.connect('oper')
	b.edit_config(target='running', config=cfg('<lan><local-prefix>10.30.0.0/16</local-prefix>'
						   '</lan>'))
	evs = events(a, 'netconf-config-change')
	cc = named(evs, 'netconf-config-change')
	assert cc, [etree.tostring(e) for e in evs]
	c = cc[0]
	assert c.findtext('ncn:changed-by/ncn:username', namespaces=NS) == 'oper'
	assert c.findtext('ncn:changed-by/ncn:session-id', namespaces=NS) == str(b.session_id)
	assert c.findtext('ncn:datastore', namespaces=NS) == 'running'
	targets = [t.text for t in c.findall('ncn:edit/ncn:target', namespaces=NS)]
	assert any('local-prefix' in t for t in targets), targets
	# a copy to startup is a change of startup (RFC 6470)
	b.copy_config(source='running', target='startup')
	evs = events(a, 'netconf-config-change')
	cc = named(evs, 'netconf-config-change')
	assert cc[-1].findtext('ncn:datastore', namespaces=NS) == 'startup'
	assert cc[-1].findtext('ncn:changed-by/ncn:username', namespaces=NS) == 'oper'
	# eventTime is RFC 3339
	et = evs[-1].findtext('en:eventTime', namespaces=NS)
	assert et and et.endswith('Z') and 'T' in et


def test_session_start_end_and_kill(srv):
	a = srv.connect()
	a.create_subscription()
	b = srv.connect('view')
	bid = str(b.session_id)
	evs = events(a, 'netconf-session-start')
	s = [x for x in named(evs, 'netconf-session-start')
	     if x.findtext('ncn:session-id', namespaces=NS) == bid]
	assert s and s[0].findtext('ncn:username', namespaces=NS) == 'view'
	assert s[0].findtext('ncn:source-host', namespaces=NS) == '127.0.0.1'
	b.close_session()
	evs = events(a, 'netconf-session-end')
	e = named(evs, 'netconf-session-end')[0]
	assert e.findtext('ncn:session-id', namespaces=NS) == bid
	assert e.findtext('ncn:termination-reason', namespaces=NS) == 'closed'
	c = srv.connect('oper')
	a.kill_session(c.session_id)
	evs = events(a, 'netconf-session-end')
	e = [x for x in named(evs, 'netconf-session-end')
	     if x.findtext('ncn:session-id', namespaces=NS) == str(c.session_id)][0]
	assert e.findtext('ncn:termination-reason', namespaces=NS) == 'killed'
	assert e.findtext('ncn:killed-by', namespaces=NS) == str(a.session_id)


def test_kill_session_in_handshake(srv):
	"""A client has its session id from the server's <hello> before the server
	has read the client's: a <kill-session> naming it then waits for the
	handshake instead of answering "no session" (seen under load)."""
	a = srv.connect()
	a.create_subscription()
	t, c, hello = raw_session(srv, 'oper', hello=False)
	sid = re.search(rb'<session-id>(\d+)</session-id>', hello).group(1).decode()
	late = threading.Timer(0.5, c.sendall, (HELLO11,))
	late.start()
	t0 = time.monotonic()
	a.kill_session(sid)
	waited = time.monotonic() - t0
	late.join()
	assert waited >= 0.4, waited	# answered after the hello, not before
	evs = events(a, 'netconf-session-end')
	e = [x for x in named(evs, 'netconf-session-end')
	     if x.findtext('ncn:session-id', namespaces=NS) == sid][0]
	assert e.findtext('ncn:termination-reason', namespaces=NS) == 'killed'
	t.close()
	# an id that no session has or will have: refused once the accept round ends
	with pytest.raises(RPCError, match='no session'):
		a.kill_session('4000000000')


def test_confirmed_commit_notifications(srv):
	a = srv.connect()
	a.create_subscription()
	a.edit_config(target='candidate', config=cfg('<lan><local-prefix>10.31.0.0/16'
						     '</local-prefix></lan>'))
	a.commit(confirmed=True, timeout='1')
	evs = events(a, 'netconf-confirmed-commit')
	st = named(evs, 'netconf-confirmed-commit')[0]
	assert st.findtext('ncn:confirm-event', namespaces=NS) == 'start'
	assert st.findtext('ncn:timeout', namespaces=NS) == '1'
	evs = []
	end = time.time() + 6
	while time.time() < end and not any(
			x.findtext('ncn:confirm-event', namespaces=NS) == 'timeout'
			for x in named(evs, 'netconf-confirmed-commit')):
		evs += events(a, 'netconf-confirmed-commit', timeout=1)
	assert any(x.findtext('ncn:confirm-event', namespaces=NS) == 'timeout'
		   for x in named(evs, 'netconf-confirmed-commit'))
	# the rollback itself is a config change made by the server
	evs += events(a, 'netconf-config-change', timeout=3)
	chg = named(evs, 'netconf-config-change')
	assert any(c.find('ncn:changed-by/ncn:server', namespaces=NS) is not None for c in chg)


def test_replay_and_refusals(srv):
	t0 = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
	b = srv.connect('oper')
	b.edit_config(target='running', config=cfg('<lan><local-prefix>10.32.0.0/16</local-prefix>'
						   '</lan>'))
	b.close_session()
	time.sleep(0.3)
	a = srv.connect()
	a.create_subscription(start_time=t0.strftime('%Y-%m-%dT%H:%M:%SZ'))
	evs = events(a, 'replayComplete')
	assert named(evs, 'replayComplete'), [etree.tostring(e) for e in evs]
	cc = named(evs, 'netconf-config-change')
	assert cc and cc[0].findtext('ncn:changed-by/ncn:username', namespaces=NS) == 'oper'
	with pytest.raises(RPCError) as ei:
		a.create_subscription()
	assert ei.value.tag == 'in-use'
	c = srv.connect()
	with pytest.raises(RPCError) as ei:
		c.create_subscription(stream_name='NOPE')
	assert ei.value.tag == 'invalid-value'
	future = (datetime.datetime.now(datetime.timezone.utc) +
		  datetime.timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
	with pytest.raises(RPCError) as ei:
		c.create_subscription(start_time=future)
	assert ei.value.tag == 'bad-element'
	# stopTime in the past: replay, then notificationComplete
	d = srv.connect()
	stop = (datetime.datetime.now(datetime.timezone.utc) -
		datetime.timedelta(seconds=0)).strftime('%Y-%m-%dT%H:%M:%SZ')
	d.create_subscription(start_time=t0.strftime('%Y-%m-%dT%H:%M:%SZ'), stop_time=stop)
	evs = events(d, 'notificationComplete', timeout=5)
	assert named(evs, 'replayComplete') and named(evs, 'notificationComplete')


def test_subscription_filter(srv):
	a = srv.connect()
	rpc = ('<create-subscription xmlns="%s"><filter type="subtree">'
	       '<netconf-session-start xmlns="%s"/></filter></create-subscription>' % (NOTIF, NCN))
	a.dispatch(to_ele(rpc))
	b = srv.connect('oper')
	b.edit_config(target='running', config=cfg('<lan><local-prefix>10.33.0.0/16</local-prefix>'
						   '</lan>'))
	c = srv.connect('view')
	evs = events(a, 'netconf-session-start')
	evs += events(a, timeout=1.0)
	assert named(evs, 'netconf-session-start')
	assert not named(evs, 'netconf-config-change')
	assert not named(evs, 'netconf-session-end')
	del c


def test_subscription_filter_that_fails(srv):
	"""A filter the RPC accepts but that cannot be evaluated (an XPath
	number, not a node set): the events are not sent, and the log says so
	once, not per event."""
	a = srv.connect()
	a.dispatch(to_ele('<create-subscription xmlns="%s"><filter type="xpath" select="count(1)"/>'
			  '</create-subscription>' % NOTIF))
	b = srv.connect('oper')
	for pfx in ('10.34.0.0/16', '10.35.0.0/16'):
		b.edit_config(target='running', config=cfg('<lan><local-prefix>%s</local-prefix>'
							   '</lan>' % pfx))
	assert not events(a, timeout=2.0)
	log = srv.log()
	assert log.count("the subscription's filter failed on an event") == 1, log
	assert 'session %s' % a.session_id in log


def test_gateway_rpc_errors(srv):
	"""drain-circuit (whose path-switch notification test_netconf_e2e.py checks
	with a live circuit) refuses an unknown circuit with a precise error, and
	a viewer altogether."""
	a = srv.connect()
	rpc = '<drain-circuit xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw-netconf"><name>%s' \
	      '</name></drain-circuit>'
	with pytest.raises(RPCError) as ei:
		a.dispatch(to_ele(rpc % 'er9'))
	assert "no circuit named 'er9'" in ei.value.message
	v = srv.connect('view')
	with pytest.raises(RPCError) as ei:
		v.dispatch(to_ele(rpc % 'er1'))
	assert ei.value.tag == 'access-denied'
	assert HGW


def test_notifications_under_load(srv):
	"""Two subscribers that keep issuing RPCs (interleave) while four writers
	commit 20 changes: every subscriber gets all 20 config-change events, in
	commit order per writer, and no RPC stalls."""
	import threading
	subs = [srv.connect(), srv.connect('view')]
	for s in subs:
		s.create_subscription()
	errs, slow = [], []

	def writer(i):
		try:
			m = srv.connect('oper' if i % 2 else 'admin')
			for k in range(5):
				m.edit_config(target='running', config=cfg(
					'<lan><local-prefix>10.%d.%d.0/24</local-prefix></lan>' % (50 + i, k)))
			m.close_session()
		except Exception as e:	# noqa: BLE001
			errs.append(repr(e))

	def reader(s, out):
		try:
			end = time.time() + 60
			while len(out) < 20 and time.time() < end:
				t0 = time.time()
				s.get_config('running', filter=('subtree', '<gateway xmlns="%s"><router-id/>'
								'</gateway>' % HGW))
				if time.time() - t0 > 1.5:
					slow.append(time.time() - t0)
				n = s.take_notification(block=True, timeout=0.2)
				while n is not None:
					e = etree.fromstring(n.notification_xml.encode())
					out.extend(c for c in e if etree.QName(c).localname ==
						   'netconf-config-change')
					n = s.take_notification(block=False)
		except Exception as e:	# noqa: BLE001
			errs.append(repr(e))
	got = [[], []]
	threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
	threads += [threading.Thread(target=reader, args=(subs[j], got[j])) for j in range(2)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(90)
	assert not errs, errs
	assert not slow, slow
	for g in got:
		assert len(g) == 20
		prefixes = [t.text for c in g for t in c.findall('ncn:edit/ncn:target', namespaces=NS)]
		for i in range(4):
			ks = [int(m.group(1)) for m in (re.search(r"'10\.%d\.(\d+)\." % (50 + i), p)
							for p in prefixes) if m]
			assert ks == [0, 1, 2, 3, 4], (i, prefixes)
