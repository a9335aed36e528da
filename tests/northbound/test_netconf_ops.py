# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_ops.py - NETCONF operations of hybridgwd with ncclient:
get/get-config with subtree and XPath filters and with-defaults, hidden secrets, every
edit-config operation, default-operation, test-option and error-option, copy/delete/
validate, locks, discard-changes, kill-session, get-schema, monitoring, roles, precise
rpc-errors, concurrent sessions. Each test runs its own daemon in a namespace."""

import os
import sys
import threading
import time

import pytest
from ncclient.operations.rpc import RPCError
from ncclient.xml_ import to_ele

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nclib import (BASE, HGW, HGWNC, SECRET, Server, cfg, xp, xml_of)	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')


@pytest.fixture
def srv(hgw_bin, netns, workdir):
	s = Server(netns('nc'), workdir).start()
	yield s
	s.stop()


def prefixes(srv, source='running', m=None):
	own = m is None
	m = m or srv.connect()
	try:
		r = m.get_config(source)
		return sorted(xp(r, '//h:lan/h:local-prefix/text()'))
	finally:
		if own:
			m.close_session()


def ctl_prefixes(srv):
	doc = srv.ctl('show config')
	return sorted(doc['hybridgw:gateway'].get('lan', {}).get('local-prefix', []))


def rpc_error(exc):
	"""(tag, path, message, app-tag, bad-element) of an RPCError."""
	info = exc.info or ''
	bad = ''
	if '<bad-element>' in info:
		bad = info.split('<bad-element>')[1].split('</bad-element>')[0]
	return exc.tag, exc.path or '', exc.message or '', getattr(exc, 'app_tag', None), bad


def retry_lock(m, ds, timeout=5.0):
	"""Lock once the server has processed the end of the previous holder's
	session (asynchronous to its close)."""
	end = time.time() + timeout
	while True:
		try:
			return m.lock(ds)
		except RPCError as e:
			if e.tag != 'lock-denied' or time.time() > end:
				raise
			time.sleep(0.05)


# ------------------------------------------------------------------ read

def test_hello_capabilities(srv):
	m = srv.connect()
	caps = set(m.server_capabilities)
	for c in ('candidate:1.0', 'confirmed-commit:1.1', 'validate:1.1', 'startup:1.0',
		  'rollback-on-error:1.0', 'xpath:1.0', 'writable-running:1.0',
		  'notification:1.0', 'interleave:1.0'):
		assert 'urn:ietf:params:netconf:capability:' + c in caps, c
	wd = [c for c in caps if 'capability:with-defaults' in c][0]
	assert 'basic-mode=explicit' in wd and 'report-all' in wd and 'trim' in wd
	assert m.session_id and int(m.session_id) > 0
	m.close_session()


def test_get_config_hides_secrets(srv):
	m = srv.connect()
	for r in (m.get_config('running'), m.get(), m.get_config('candidate')):
		assert SECRET not in r.xml
		assert '$6$' not in r.xml
		assert xp(r, '//h:bgp/h:peer-as/text()') == ['12076']
		assert xp(r, '//n:user/n:name/text()') == ['admin', 'oper', 'view']


def test_secret_only_on_explicit_request_by_admin(srv):
	sub = ('<gateway xmlns="%s"><circuit><link><bgp><md5-key/></bgp></link></circuit>'
	       '</gateway>' % HGW)
	adm = srv.connect('admin')
	r = adm.get_config('running', filter=('subtree', sub))
	assert xp(r, '//h:md5-key/text()') == [SECRET]
	r = adm.get_config('running', filter=('xpath', ({'h': HGW}, '//h:md5-key')))
	assert xp(r, '//h:md5-key/text()') == [SECRET]
	r = adm.get_config('running', filter=('subtree', '<gateway xmlns="%s"/>' % HGW))
	assert SECRET not in r.xml		# the whole tree is not an explicit request
	r = adm.get_config('running', filter=('xpath', '//*'))
	assert SECRET not in r.xml and '$6$' not in r.xml
	r = adm.get_config('running', filter=('subtree', '<gateway xmlns="%s"><netconf xmlns="%s">'
					      '<user><name>oper</name><password/></user></netconf>'
					      '</gateway>' % (HGW, HGWNC)))
	assert xp(r, '//n:password/text()')[0].startswith('$6$')
	op = srv.connect('oper')
	r = op.get_config('running', filter=('subtree', sub))
	assert SECRET not in r.xml
	assert xp(r, '//h:md5-key') == []


def test_subtree_filter_content_match(srv):
	m = srv.connect()
	f = ('<gateway xmlns="%s"><circuit><name>%s</name><link><name/><local-address/></link>'
	     '</circuit></gateway>')
	r = m.get_config('running', filter=('subtree', f % (HGW, 'er1')))
	assert xp(r, '//h:circuit/h:name/text()') == ['er1']
	assert xp(r, '//h:link/h:local-address/text()') == ['172.16.1.1']
	assert xp(r, '//h:peer-as') == []	# not selected
	assert xp(r, '//h:router-id') == []
	r = m.get_config('running', filter=('subtree', f % (HGW, 'er9')))
	assert xp(r, '//h:circuit') == []
	# only content match nodes: the whole matching entry
	r = m.get_config('running', filter=('subtree', '<gateway xmlns="%s"><circuit><name>er1'
					    '</name></circuit></gateway>' % HGW))
	assert xp(r, '//h:peer-as/text()') == ['12076']
	# an empty filter selects nothing (RFC 6241 6.4.2)
	from lxml import etree
	r = m.dispatch(etree.fromstring('<get-config xmlns="%s"><source><running/></source>'
					'<filter type="subtree"/></get-config>' % BASE))
	assert xp(r, '//h:gateway') == []
	assert xp(r, '/nc:rpc-reply/nc:data')


def test_get_state_and_xpath_filter(srv):
	m = srv.connect()
	r = m.get(filter=('xpath', ({'h': HGW}, '/h:gateway-state/h:version')))
	assert len(xp(r, '/nc:rpc-reply/nc:data/h:gateway-state/h:version/text()')) == 1
	assert xp(r, '//h:gateway') == [] and xp(r, '//h:uptime') == []
	r = m.get(filter=('subtree', '<gateway-state xmlns="%s"><bgp><neighbor><address/>'
			  '<state/></neighbor></bgp></gateway-state>' % HGW))
	assert xp(r, '//h:neighbor/h:address/text()') == ['172.16.1.2']
	assert xp(r, '//h:neighbor/h:state/text()')[0] != 'established'
	r = m.get(filter=('subtree', '<netconf-state xmlns="urn:ietf:params:xml:ns:yang:'
			  'ietf-netconf-monitoring"><sessions/></netconf-state>'))
	users = xml_of(r).xpath('//m:session/m:username/text()', namespaces={
		'm': 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring'})
	assert 'admin' in users
	with pytest.raises(RPCError) as ei:
		m.get(filter=('xpath', '/nonexistent-module:foo'))
	assert ei.value.tag in ('invalid-value', 'operation-failed')


def test_with_defaults(srv):
	m = srv.connect()
	r = m.get_config('running')
	assert xp(r, '//h:gateway/h:kernel-table') == []	# explicit: defaults not set stay out
	assert xp(r, '//h:bgp/h:hold-time/text()') == ['9']
	r = m.get_config('running', with_defaults='report-all')
	assert xp(r, '//h:gateway/h:kernel-table/text()') == ['254']
	assert xp(r, '//h:bgp/h:passive/text()') == ['false']
	r = m.get_config('running', with_defaults='report-all-tagged')
	kt = xml_of(r).xpath('//h:gateway/h:kernel-table', namespaces={'h': HGW})[0]
	assert kt.get('{urn:ietf:params:xml:ns:netconf:default:1.0}default') in ('true', '1')
	m.edit_config(target='running', config=cfg('<kernel-table>254</kernel-table>'))
	r = m.get_config('running')
	assert xp(r, '//h:gateway/h:kernel-table/text()') == ['254']	# set explicitly now
	r = m.get_config('running', with_defaults='trim')
	assert xp(r, '//h:gateway/h:kernel-table') == []


# ----------------------------------------------------------- edit-config

def test_edit_candidate_merge_commit_changes_running_gateway(srv):
	m = srv.connect()
	m.edit_config(target='candidate', config=cfg(
		'<lan><local-prefix>10.2.0.0/16</local-prefix></lan>'))
	assert prefixes(srv, 'candidate', m) == ['10.1.0.0/16', '10.2.0.0/16']
	assert prefixes(srv, 'running', m) == ['10.1.0.0/16']
	assert ctl_prefixes(srv) == ['10.1.0.0/16']
	m.commit()
	assert prefixes(srv, 'running', m) == ['10.1.0.0/16', '10.2.0.0/16']
	assert ctl_prefixes(srv) == ['10.1.0.0/16', '10.2.0.0/16']


def test_edit_replace_create_delete_remove(srv):
	m = srv.connect()
	m.edit_config(target='running', config=cfg(
		'<lan nc:operation="replace"><local-prefix>10.9.0.0/16</local-prefix></lan>'))
	assert prefixes(srv) == ['10.9.0.0/16']
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='running', config=cfg(
			'<lan><local-prefix nc:operation="create">10.9.0.0/16</local-prefix></lan>'))
	assert ei.value.tag == 'data-exists'
	assert 'local-prefix' in ei.value.path
	m.edit_config(target='running', config=cfg(
		'<lan><local-prefix nc:operation="create">10.8.0.0/16</local-prefix></lan>'))
	assert prefixes(srv) == ['10.8.0.0/16', '10.9.0.0/16']
	m.edit_config(target='running', config=cfg(
		'<lan><local-prefix nc:operation="delete">10.9.0.0/16</local-prefix></lan>'))
	assert prefixes(srv) == ['10.8.0.0/16']
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='running', config=cfg(
			'<lan><local-prefix nc:operation="delete">10.9.0.0/16</local-prefix></lan>'))
	assert ei.value.tag == 'data-missing'
	m.edit_config(target='running', config=cfg(
		'<lan><local-prefix nc:operation="remove">10.9.0.0/16</local-prefix></lan>'))
	# a leaf deleted without a value; a list entry by key
	m.edit_config(target='running', config=cfg(
		'<circuit><name>er1</name><link><name>primary</name><bgp>'
		'<md5-key nc:operation="delete"/><hold-time nc:operation="remove"/></bgp></link></circuit>'))
	adm = srv.connect()
	r = adm.get_config('running', with_defaults='report-all', filter=('subtree',
		'<gateway xmlns="%s"><circuit><link><bgp><md5-key/><hold-time/></bgp></link>'
		'</circuit></gateway>' % HGW))
	assert xp(r, '//h:md5-key') == []
	assert xp(r, '//h:hold-time/text()') == ['180']	# back to the default
	assert ctl_prefixes(srv) == ['10.8.0.0/16']


def test_default_operation_none_and_replace(srv):
	m = srv.connect()
	m.edit_config(target='running', default_operation='none', config=cfg(
		'<router-id>10.255.0.9</router-id>'
		'<lan><local-prefix nc:operation="delete">10.1.0.0/16</local-prefix></lan>'))
	r = m.get_config('running')
	assert xp(r, '//h:gateway/h:router-id/text()') == ['10.255.0.1']	# none: untouched
	assert prefixes(srv, m=m) == []
	# default-operation replace of the whole gateway (users kept in the new tree)
	full = srv.connect().get_config('running').data_ele
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='candidate', default_operation='replace', config=cfg(
			'<router-id>10.255.0.9</router-id>'))
	assert ei.value.tag == 'missing-element'	# 'as' is mandatory
	assert 'as' in ei.value.path or 'as' in (ei.value.message or '')
	assert full is not None


def test_invalid_value_precise_error_running_untouched(srv):
	m = srv.connect()
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='running', config=cfg('<router-id>300.1.1.1</router-id>'))
	e = ei.value
	assert e.tag == 'invalid-value'
	assert e.path == '/hybridgw:gateway/router-id'
	assert '300.1.1.1' in e.message
	assert e.severity == 'error'
	r = m.get_config('running')
	assert xp(r, '//h:gateway/h:router-id/text()') == ['10.255.0.1']
	assert srv.ctl('show config')['hybridgw:gateway']['router-id'] == '10.255.0.1'


def test_unknown_element(srv):
	m = srv.connect()
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='candidate', config=cfg('<bogus-leaf>1</bogus-leaf>'))
	assert ei.value.tag == 'unknown-element'
	assert '<bad-element>bogus-leaf</bad-element>' in ei.value.info
	assert prefixes(srv, 'candidate', m) == ['10.1.0.0/16']


def test_missing_mandatory_leaf(srv):
	m = srv.connect()
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='candidate', config=cfg(
			'<circuit><name>er2</name><link><name>a</name></link></circuit>'))
	e = ei.value
	assert e.tag == 'missing-element'
	assert "circuit[name='er2']/link[name='a']" in e.path
	assert 'local-address' in e.message
	# test-option set stores it; validate and commit then refuse it
	m.edit_config(target='candidate', test_option='set', config=cfg(
		'<circuit><name>er2</name><link><name>a</name></link></circuit>'))
	with pytest.raises(RPCError) as ei:
		m.validate(source='candidate')
	assert 'local-address' in ei.value.message
	with pytest.raises(RPCError) as ei:
		m.commit()
	assert 'local-address' in ei.value.message
	r = m.get_config('running')
	assert xp(r, '//h:circuit/h:name/text()') == ['er1']
	m.discard_changes()
	assert xp(m.get_config('candidate'), '//h:circuit/h:name/text()') == ['er1']


def test_bad_config_changes_nothing(srv):
	"""A semantically invalid config (a VPN connection without tunnels) is refused
	whole on running; the gateway keeps what it had."""
	m = srv.connect()
	before = srv.ctl('show config')
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='running', config=cfg(
			'<lan><local-prefix>10.3.0.0/16</local-prefix></lan>'
			'<vpn-connection><name>v1</name><role>site</role></vpn-connection>'))
	assert 'vpn-connection' in ei.value.path
	assert srv.ctl('show config') == before


def test_test_only_and_error_options(srv):
	m = srv.connect()
	m.edit_config(target='running', test_option='test-only', config=cfg(
		'<lan><local-prefix>10.4.0.0/16</local-prefix></lan>'))
	assert prefixes(srv, m=m) == ['10.1.0.0/16']
	two = cfg('<lan><local-prefix nc:operation="create">10.1.0.0/16</local-prefix>'
		  '<local-prefix nc:operation="create">10.5.0.0/16</local-prefix></lan>')
	with pytest.raises(RPCError):
		m.edit_config(target='running', error_option='rollback-on-error', config=two)
	assert prefixes(srv, m=m) == ['10.1.0.0/16']
	# stop-on-error (the default) aborts the whole edit, even after good parts
	good_then_bad = cfg('<lan><local-prefix>10.5.0.0/16</local-prefix></lan>'
			    '<router-id>300.0.0.1</router-id>')
	with pytest.raises(RPCError) as ei:
		m.edit_config(target='running', config=good_then_bad)
	assert ei.value.tag == 'invalid-value'
	assert prefixes(srv, m=m) == ['10.1.0.0/16']
	with pytest.raises(RPCError):
		m.edit_config(target='running', error_option='continue-on-error', config=two)
	assert prefixes(srv, m=m) == ['10.1.0.0/16', '10.5.0.0/16']


def test_viewer_may_not_write(srv):
	v = srv.connect('view')
	assert xp(v.get_config('running'), '//h:router-id/text()') == ['10.255.0.1']
	with pytest.raises(RPCError) as ei:
		v.edit_config(target='running', config=cfg('<lan><local-prefix>10.6.0.0/16'
							   '</local-prefix></lan>'))
	assert ei.value.tag == 'access-denied'
	with pytest.raises(RPCError) as ei:
		v.commit()
	assert ei.value.tag == 'access-denied'


# --------------------------------------------------- copy / delete / validate

def test_copy_delete_validate(srv):
	m = srv.connect()
	m.edit_config(target='running', config=cfg('<lan><local-prefix>10.7.0.0/16</local-prefix>'
						    '</lan>'))
	m.copy_config(source='running', target='startup')
	text = open(srv.config).read()
	assert '10.7.0.0/16' in text and SECRET in text	# the startup file keeps secrets
	assert prefixes(srv, 'startup', m) == ['10.1.0.0/16', '10.7.0.0/16']
	inline = ('<config xmlns="%s"><gateway xmlns="%s"><router-id>10.255.0.2</router-id>'
		  '<as>65011</as></gateway></config>' % (BASE, HGW))
	m.dispatch(to_ele('<copy-config xmlns="%s"><target><candidate/></target><source>%s</source>'
			  '</copy-config>' % (BASE, inline)))
	r = m.get_config('candidate')
	assert xp(r, '//h:as/text()') == ['65011'] and xp(r, '//h:circuit') == []
	m.validate(source='candidate')
	m.discard_changes()
	with pytest.raises(RPCError) as ei:
		m.copy_config(source='running', target='running')
	assert ei.value.tag == 'invalid-value'
	bad = '<config xmlns="%s"><gateway xmlns="%s"><as>65011</as></gateway></config>' % (BASE, HGW)
	with pytest.raises(RPCError) as ei:
		m.dispatch(to_ele('<validate xmlns="%s"><source>%s</source></validate>' % (BASE, bad)))
	assert 'router-id' in ei.value.message
	m.delete_config(target='startup')
	assert not os.path.exists(srv.config)
	with pytest.raises(RPCError) as ei:
		m.delete_config(target='running')
	m.copy_config(source='running', target='startup')
	assert os.path.exists(srv.config)


# ---------------------------------------------------------------- locks

def test_locks(srv):
	a, b = srv.connect(), srv.connect('oper')
	a.lock('running')
	with pytest.raises(RPCError) as ei:
		b.lock('running')
	assert ei.value.tag == 'lock-denied'
	assert '<session-id>%s</session-id>' % a.session_id in ei.value.info
	# RFC 6022: the lock is visible in netconf-state
	r = b.get(filter=('subtree', '<netconf-state xmlns="urn:ietf:params:xml:ns:yang:'
			  'ietf-netconf-monitoring"><datastores/></netconf-state>'))
	mon = {'m': 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring'}
	held = xml_of(r).xpath("//m:datastore[m:name='running']/m:locks/m:global-lock/"
			       "m:locked-by-session/text()", namespaces=mon)
	assert held == [str(a.session_id)]
	assert xml_of(r).xpath("//m:datastore[m:name='candidate']/m:locks", namespaces=mon) == []
	with pytest.raises(RPCError) as ei:
		b.edit_config(target='running', config=cfg('<lan><local-prefix>10.6.0.0/16'
							   '</local-prefix></lan>'))
	assert ei.value.tag == 'in-use'
	with pytest.raises(RPCError) as ei:
		b.unlock('running')
	a.edit_config(target='running', config=cfg('<lan><local-prefix>10.6.0.0/16</local-prefix>'
						   '</lan>'))
	a.unlock('running')
	b.lock('running')
	b.unlock('running')
	# a lock dies with its session
	a.lock('startup')
	a.close_session()
	retry_lock(b, 'startup')


def test_candidate_lock_refused_while_modified_by_other(srv):
	a, b = srv.connect(), srv.connect('oper')
	a.edit_config(target='candidate', config=cfg('<lan><local-prefix>10.6.0.0/16'
						     '</local-prefix></lan>'))
	with pytest.raises(RPCError) as ei:
		b.lock('candidate')
	assert ei.value.tag == 'lock-denied'
	assert 'uncommitted' in ei.value.message
	a.lock('candidate')		# own changes do not stop the lock
	with pytest.raises(RPCError) as ei:
		b.discard_changes()
	assert ei.value.tag == 'in-use'
	with pytest.raises(RPCError) as ei:
		b.commit()
	assert ei.value.tag == 'in-use'
	a.close_session()		# RFC 6241 7.5: its locked candidate is discarded
	retry_lock(b, 'candidate')
	assert prefixes(srv, 'candidate', b) == ['10.1.0.0/16']


def test_kill_session(srv):
	a, b, v = srv.connect(), srv.connect('oper'), srv.connect('view')
	b.lock('running')
	with pytest.raises(RPCError) as ei:
		v.kill_session(b.session_id)
	assert ei.value.tag == 'access-denied'
	with pytest.raises(RPCError) as ei:
		a.kill_session(a.session_id)
	assert ei.value.tag == 'invalid-value'
	with pytest.raises(RPCError) as ei:
		a.kill_session('9999')
	assert ei.value.tag == 'invalid-value'
	a.kill_session(b.session_id)
	retry_lock(a, 'running')	# the killed session's lock is gone
	with pytest.raises(Exception):
		b.get_config('running')


# ------------------------------------------------------------ schemas

def test_get_schema(srv):
	m = srv.connect()
	text = m.get_schema('hybridgw-netconf')
	yang = xml_of(text).xpath('//*[local-name()="data"]')[0].text
	assert 'module hybridgw-netconf' in yang and 'default-deny-all' in yang
	text = m.get_schema('ietf-netconf', version='2013-09-29')
	assert 'confirmed-commit' in xml_of(text).xpath('//*[local-name()="data"]')[0].text
	with pytest.raises(RPCError) as ei:
		m.get_schema('no-such-module')
	assert ei.value.tag == 'invalid-value'


def test_operational_rpc_output(srv):
	"""what-if answers with its output leaves (the circuit is down here: no
	prefix would move); a malformed input is refused by the schema."""
	m = srv.connect()
	from lxml import etree
	r = m.dispatch(etree.fromstring('<what-if xmlns="%s"><fail>er1</fail></what-if>' % HGWNC))
	assert xp(r, '//n:prefixes-moved/text()') == ['0']
	assert xp(r, '//n:prefixes-unreachable/text()') == ['0']
	with pytest.raises(RPCError) as ei:
		m.dispatch(etree.fromstring('<what-if xmlns="%s"><fail>bad name!</fail></what-if>' %
					    HGWNC))
	assert ei.value.tag in ('invalid-value', 'bad-element', 'operation-failed')


# ------------------------------------------------------- concurrency

def test_concurrent_sessions(srv):
	errs = []

	def worker(i):
		try:
			m = srv.connect('oper' if i % 2 else 'admin')
			for _ in range(5):
				assert xp(m.get_config('running'), '//h:router-id/text()')
			m.edit_config(target='running', config=cfg(
				'<lan><local-prefix>10.%d.0.0/16</local-prefix></lan>' % (100 + i)))
			m.get(filter=('subtree', '<gateway-state xmlns="%s"><version/>'
				      '</gateway-state>' % HGW))
			m.close_session()
		except Exception as e:	# noqa: BLE001
			errs.append(repr(e))
	threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(60)
	assert not errs, errs
	got = prefixes(srv)
	for i in range(8):
		assert '10.%d.0.0/16' % (100 + i) in got
	assert len(ctl_prefixes(srv)) == 9
