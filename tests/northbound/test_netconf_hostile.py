"""tests/northbound/test_netconf_hostile.py - what careless scripts and hostile clients
send (issue 12): each case answers with the RFC's error-tag, changes nothing, leaves
other sessions alone and never stops hybridgwd."""

import os
import sys

import pytest
from lxml import etree
from ncclient.operations.rpc import RPCError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nclib import HGWNC, Server, xp	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')


@pytest.fixture
def srv(hgw_bin, netns, workdir):
	s = Server(netns('nc'), workdir).start()
	yield s
	s.stop()


def alive(srv):
	assert srv.d.alive(), 'hybridgwd died:\n' + srv.d.tail()
	srv.ctl('show bgp')


@pytest.mark.parametrize('rpc,leaf', [('what-if', 'fail'), ('drain-circuit', 'name')])
def test_rpc_without_mandatory_input(srv, rpc, leaf):
	"""An RPC without its mandatory leaf: missing-element naming the leaf
	(RFC 6241 App. A, RFC 7950 7.14.2), from an operator, daemon alive."""
	m = srv.connect('oper')
	with pytest.raises(RPCError) as ei:
		m.dispatch(etree.fromstring('<%s xmlns="%s"/>' % (rpc, HGWNC)))
	assert ei.value.tag == 'missing-element'
	assert '<bad-element>%s</bad-element>' % leaf in (ei.value.info or '')
	alive(srv)
	# the same session still works
	r = m.dispatch(etree.fromstring('<what-if xmlns="%s"><fail>er1</fail></what-if>' % HGWNC))
	assert xp(r, '//n:prefixes-moved/text()') == ['0']
	m.close_session()
