# SPDX-License-Identifier: ISC
"""tests/integration/test_lab_demo.py - the default lab as a user meets it (issue 14): its
gateway serves NETCONF to the lab user and docs/examples/netconf_lab.py reads the route
table and changes the failback delay with a confirmed commit (and an unconfirmed one rolls
back by itself); then `scripts/lab demo` (hgwlab.demo, in a shortened form) watches a silent
circuit cut: BFD detection, the FIB switch, bounded ping loss, the monitor's live stream,
and a failback that waits for the failback delay."""

import os
import subprocess
import sys
import time

SRC = os.environ.get('HGW_SRC') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))

from hgwlab import util	# noqa: E402
from hgwlab.demo import Demo, run_demo	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403
from hgwlab.hgw import hybridgwctl	# noqa: E402

TOPO = os.path.join(SRC, 'topologies', 'coexistence.clab.yml')
EXAMPLE = os.path.join(SRC, 'docs', 'examples', 'netconf_lab.py')


def failback_delay(lb):
	return int(hybridgwctl('show config', sock=lb.ctl_sock('gw'))['hybridgw:gateway']['policy']
		   ['failback-delay'])


def netconf_example(lb, *args):
	return subprocess.run(['ip', 'netns', 'exec', lb.nsname('gw'), '/usr/bin/python3', EXAMPLE] +
			      list(args), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			      timeout=120)


HELLO = ('<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:'
	 'base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability>'
	 '</capabilities></hello>]]>]]><rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:'
	 'base:1.0"><close-session/></rpc>]]>]]>')


def ssh_netconf(lb, workdir):
	"""The `ssh -s ... netconf` line scripts/lab up prints, the password given
	through SSH_ASKPASS: a 1.0 hello, then close-session."""
	askpass = os.path.join(workdir, 'askpass')
	with open(askpass, 'w') as f:
		f.write('#!/bin/sh\necho hybridgw-lab\n')
	os.chmod(askpass, 0o755)
	env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE='force', DISPLAY=':0',
		   HELLO=HELLO)
	# stdin stays open a moment after the requests: an EOF right behind them
	# would end the session before the close-session reply is written
	ssh = ('ip netns exec %s ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null '
	       '-o PreferredAuthentications=password -p 830 -s lab@127.0.0.1 netconf' % lb.nsname('gw'))
	return subprocess.run(['sh', '-c', '(printf "%%s" "$HELLO"; sleep 3) | %s' % ssh], env=env,
			      text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)


def test_netconf_example_and_demo(lab, workdir):
	lb = lab(TOPO)
	Demo(lb, out=lambda s: None).wait_ready()	# sessions, BFD, ECMP on the circuit
	util.wait_for(lambda: ':830' in lb.exec('gw', ['ss', '-ltnH']).stdout, 20, 0.1, 'NETCONF up')

	# ssh -s netconf, as printed by scripts/lab up
	p = ssh_netconf(lb, workdir)
	assert 'urn:ietf:params:netconf:base:1.1' in p.stdout, (p.stdout, p.stderr)
	assert '<ok/>' in p.stdout, (p.stdout, p.stderr)
	with open(os.path.join(SRC, 'scripts', 'lab')) as f:
		script = f.read()
	assert '-p 830 -s lab@127.0.0.1 netconf' in script and 'netconf_lab.py' in script

	# the ncclient example: routes, then a confirmed commit that is confirmed
	p = netconf_example(lb, '--failback-delay', '6')
	print(p.stdout)
	assert p.returncode == 0, p.stdout
	rows = [ln.split() for ln in p.stdout.splitlines()]
	assert ['10.100.0.0/16', 'circuit', '172.16.1.2,172.16.1.6', 'vpn'] in rows or \
		['10.100.0.0/16', 'circuit', '172.16.1.6,172.16.1.2', 'vpn'] in rows, p.stdout
	assert 'confirmed: running failback-delay 6 s' in p.stdout, p.stdout
	assert failback_delay(lb) == 6
	# not confirmed: the gateway rolls the change back when the timeout runs out
	p = netconf_example(lb, '--failback-delay', '40', '--no-confirm', '--confirm-timeout', '2')
	assert p.returncode == 0 and 'running now: 40 s' in p.stdout, p.stdout
	util.wait_for(lambda: failback_delay(lb) == 6, 15, 0.2, 'confirmed-commit rollback')

	# the demo, shortened: a 6 s failback delay, short phases
	out = []
	res = run_demo(lb, out=out.append, before=1.0, after=1.5, tail=1.0)
	text = '\n'.join(out)
	print(text)
	assert res['delay'] == 6
	detect = res['detected'] - res['t_cut']
	assert 0.2 < detect < 2.0, detect	# BFD 200 ms x 3
	assert res['switched'] - res['detected'] < 0.5, res
	down = [e for e in res['journal'] if e['trigger'] == 'bfd-down']
	assert len(down) == 2 and down[-1]['to-class'] == 'vpn', res['journal']
	assert down[-1]['prefixes-moved'] >= 1 and down[-1]['groups-rewritten'] >= 1
	assert 0 < res['loss']['lost_cut'] < 300, res['loss']	# < 3 s of a ping every 10 ms
	assert res['loss']['lost_back'] <= 20, res['loss']	# failback is make-before-break
	held = res['t_back'] - res['t_healthy']
	# from the moment the demo saw the link healthy (polling: up to ~1 s late)
	assert res['delay'] - 1.0 <= held <= res['delay'] + 5, held
	assert res['failback'] and all(e['to-class'] == 'circuit' for e in res['failback'])
	mon = '\n'.join(res['monitor'])
	assert 'bfd-down' in mon and ' failback ' in mon.replace('failback detected', ' failback '), mon
	assert 'peer 172.16.1.2 on eth1' in mon and 'Down' in mon, mon
	assert [ln for ln in res['iperf'] if 'Mbits/sec' in ln], res['iperf']
	for want in ('ip route show proto hybridgw', 'ip nexthop show', 'loss per 100 ms',
		     'circuit cut', 'failback: kernel route on the circuit', '=== summary'):
		assert want in text, want
	assert '#' in text.split('loss per 100 ms')[1].split('===')[0], 'no loss shown'
