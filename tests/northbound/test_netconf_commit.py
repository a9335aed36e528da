# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_commit.py - RFC 6241 8.4 confirmed commit over NETCONF:
rollback when the confirm-timeout expires, confirming and follow-up commits, persist /
persist-id across sessions, cancel-commit, rollback when the issuing session ends, and
the running gateway (hybridgwctl) following every step."""

import os
import sys
import time

import pytest
from ncclient.operations.rpc import RPCError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nclib import Server, cfg, xp	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

BASE_PFX = ['10.1.0.0/16']
NEW_PFX = ['10.1.0.0/16', '10.20.0.0/16']


@pytest.fixture
def srv(hgw_bin, netns, workdir):
	s = Server(netns('cc'), workdir).start()
	yield s
	s.stop()


def running(srv):
	"""The running gateway's LAN prefixes, as the daemon itself shows them."""
	doc = srv.ctl('show config')
	return sorted(doc['hybridgw:gateway'].get('lan', {}).get('local-prefix', []))


def stage(m, pfx='10.20.0.0/16'):
	m.edit_config(target='candidate', config=cfg('<lan><local-prefix>%s</local-prefix></lan>' %
						     pfx))


def wait_running(srv, want, timeout=10.0):
	end = time.time() + timeout
	while time.time() < end:
		if running(srv) == want:
			return
		time.sleep(0.1)
	assert running(srv) == want


def test_confirmed_commit_times_out_and_rolls_back(srv):
	m = srv.connect()
	stage(m)
	t0 = time.time()			# before the server's 2 s start
	m.commit(confirmed=True, timeout='2')
	# applied, then rolled back: never seen rolled back before the timeout
	# (however long the commit's reply took, which a loaded machine slows)
	seen = []
	while time.time() - t0 < 10:
		now, at = running(srv), time.time() - t0
		seen.append((round(at, 2), now == NEW_PFX))
		if now == BASE_PFX:
			break
		time.sleep(0.1)
	assert running(srv) == BASE_PFX, seen
	assert at >= 1.9, seen
	assert seen[0][1] or seen[0][0] >= 1.9, seen	# the commit had applied
	r = m.get_config('running')
	assert sorted(xp(r, '//h:local-prefix/text()')) == BASE_PFX
	assert 'restoring the previous configuration' in srv.log()


def test_confirming_commit_keeps_it(srv):
	m = srv.connect()
	stage(m)
	m.commit(confirmed=True, timeout='2')
	m.commit()			# confirming commit
	time.sleep(3)
	assert running(srv) == NEW_PFX


def test_follow_up_confirmed_commit_extends(srv):
	m = srv.connect()
	stage(m)
	m.commit(confirmed=True, timeout='2')
	stage(m, '10.21.0.0/16')
	m.commit(confirmed=True, timeout='4')	# follow-up: new timeout, same backup
	assert running(srv) == NEW_PFX + ['10.21.0.0/16']
	time.sleep(2.5)
	assert running(srv) == NEW_PFX + ['10.21.0.0/16']
	wait_running(srv, BASE_PFX, timeout=5)	# back to before the first one


def test_cancel_commit(srv):
	m = srv.connect()
	with pytest.raises(RPCError) as ei:
		m.cancel_commit()
	assert 'no confirmed commit' in ei.value.message
	stage(m)
	m.commit(confirmed=True, timeout='60')
	assert running(srv) == NEW_PFX
	other = srv.connect('oper')
	with pytest.raises(RPCError) as ei:
		other.cancel_commit()		# not persistent: only its own session
	assert ei.value.tag == 'in-use'
	with pytest.raises(RPCError) as ei:
		other.commit()
	assert ei.value.tag == 'in-use'
	m.cancel_commit()
	assert running(srv) == BASE_PFX


def test_session_end_rolls_back_non_persistent(srv):
	m = srv.connect()
	stage(m)
	m.commit(confirmed=True, timeout='60')
	assert running(srv) == NEW_PFX
	m.close_session()
	wait_running(srv, BASE_PFX, timeout=5)


def test_persist_across_sessions(srv):
	a = srv.connect()
	stage(a)
	a.commit(confirmed=True, timeout='60', persist='chg-42')
	a.close_session()
	time.sleep(0.5)
	assert running(srv) == NEW_PFX		# survives its session
	b = srv.connect('oper')
	with pytest.raises(RPCError) as ei:
		b.commit()			# persist-id required
	assert ei.value.tag == 'invalid-value'
	with pytest.raises(RPCError) as ei:
		b.commit(persist_id='wrong')
	assert ei.value.tag == 'invalid-value'
	assert 'does not match' in ei.value.message
	b.commit(persist_id='chg-42')	# confirming commit from another session
	b.close_session()
	time.sleep(0.5)
	assert running(srv) == NEW_PFX
	c = srv.connect()
	with pytest.raises(RPCError):
		c.commit(persist_id='chg-42')	# nothing pending any more


def test_persist_timeout_and_cancel_by_id(srv):
	a = srv.connect()
	stage(a)
	a.commit(confirmed=True, timeout='60', persist='p1')
	b = srv.connect()
	with pytest.raises(RPCError) as ei:
		b.cancel_commit(persist_id='nope')
	assert ei.value.tag == 'invalid-value'
	b.cancel_commit(persist_id='p1')
	assert running(srv) == BASE_PFX
	stage(a, '10.22.0.0/16')
	a.commit(confirmed=True, timeout='1', persist='p2')
	a.close_session()
	wait_running(srv, BASE_PFX, timeout=5)	# persistent ones still time out


def test_bad_candidate_commit_changes_nothing(srv):
	m = srv.connect()
	m.edit_config(target='candidate', test_option='set', config=cfg(
		'<vpn-connection><name>v1</name><role>site</role></vpn-connection>'))
	with pytest.raises(RPCError) as ei:
		m.commit(confirmed=True, timeout='60')
	assert 'vpn-connection' in ei.value.path or 'tunnel' in ei.value.message
	assert running(srv) == BASE_PFX
	with pytest.raises(RPCError):
		m.commit(persist_id='x')	# no confirmed commit was started
	assert 'vpn-connection' not in srv.ctl('show config')['hybridgw:gateway']
