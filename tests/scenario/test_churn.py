# SPDX-License-Identifier: ISC
"""tests/scenario/test_churn.py - the sequence of issue 13's crash under churn, kept as a
regression test: a link flap of circuit link ce1, a commit through the control socket
that changes the failback delay, then the circuit edge's BGP daemon going away - killed
(the gateway reads "connection closed by the peer", no NOTIFICATION: the routes stay,
stale, only if the edge restarts gracefully; FRR's default helper mode does not, so
the link fails over) or stopped (NOTIFICATION: its routes go) - and coming back.
hybridgwd must survive every round (an ASan build reports any memory error in its
log, which the lab fixture turns into a failure) and the kernel table must match the
oracle of test_chaos.py after each step. HGW_CHURN_ROUNDS sets the rounds (default 4)."""

import os
import random
import signal
import time

import test_chaos as C
from conftest import gw_config

ROUNDS = int(os.environ.get('HGW_CHURN_ROUNDS', '4'))


def _commit_failback(c, fd):
	c.m.failback = fd
	c.s.apply(gw_config({'<failback-delay>5</failback-delay>':
			     '<failback-delay>%d</failback-delay>' % fd}), name='churn.xml')
	c.check('commit failback-delay %d' % fd)


def test_churn_sequence(scen, workdir):
	s = scen()
	m = C.Model()
	c = C.Chaos(s, m, random.Random(1), workdir)
	c.branch_extra = set()
	c.check('start')
	ce1 = s.lb.daemon('ce1')
	for r in range(ROUNDS):
		# a link flap of the primary circuit link
		ns = s.lb.ns('ce1')
		ns.run(['ip', 'link', 'set', 'eth1', 'down'])
		m.fail('ce1')
		c.check('round %d: ce1 link down' % r, C.BFD_DETECT + C.MARGIN_FAIL)
		ns.run(['ip', 'link', 'set', 'eth1', 'up'])
		m.recover('ce1', c.wait_peer('ce1', True, C.RECOVER_S))
		c.check('round %d: ce1 link up' % r)
		# seconds later, a commit through the control socket changing the delay
		time.sleep(1.0)
		_commit_failback(c, 2 + r % 3)
		# then the edge's bgpd goes: killed (no NOTIFICATION, GR keeps its
		# routes) on even rounds, stopped (Cease) on odd ones
		bgpd = ce1.procs['bgpd']
		if r % 2 == 0:
			# Is the gateway the edge's GR helper? Only if the edge lists
			# IPv4 unicast in its GR capability (RFC 4724 3, 4.2), which
			# FRR does in "Restart" mode; in its default "Helper" mode the
			# capability carries no family and the gateway keeps nothing.
			# The peer's own view, not the gateway's.
			n = ce1.vtysh_json('show bgp neighbors 172.16.1.1 json').get('172.16.1.1', {})
			gr = str(n.get('gracefulRestartInfo', {}).get('localGrMode', '')).startswith('Restart')
			os.kill(bgpd.pid, signal.SIGKILL)
			bgpd.stop(grace=5.0)
			time.sleep(1.0)
			c.alive()
			assert 'connection closed by the peer' in s.log()
			if not gr:
				m.fail('ce1')
			# with graceful restart BFD (bfdd is up) and the stale routes keep
			# the link eligible: nothing moves; without it, it fails over
			c.check('round %d: ce1 bgpd killed (GR %s)' % (r, gr),
				C.BFD_DETECT + C.MARGIN_FAIL)
		else:
			bgpd.stop(grace=5.0)
			m.fail('ce1')
			c.check('round %d: ce1 bgpd stopped' % r, C.BFD_DETECT + C.MARGIN_FAIL)
		c.alive()
		ce1._start_one('bgpd', False)
		t = c.wait_peer('ce1', True, C.RECOVER_S)
		if not m.healthy['ce1']:
			m.recover('ce1', t)
		m.rib['ce1'] = dict(C.BASE['ce1'])
		c.check('round %d: ce1 bgpd back' % r, C.MARGIN_FAIL + 3.0)
		c.n += 1
		c.history.append('round %d' % r)
		c.alive()
	assert not c.mismatches, c.mismatches
	log = s.log()
	assert 'AddressSanitizer' not in log and 'runtime error' not in log, log[-4000:]
