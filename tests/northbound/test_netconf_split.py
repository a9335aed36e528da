# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_split.py - routing survives its management plane: the
NETCONF server is hybridgw-netconf, an unprivileged process hybridgwd supervises.

kill -9 of it during a commit and during a <get> leaves routing alone - a ping stream
through the gateway loses nothing, the BGP sessions with FRR (circuit) and BIRD (LAN)
stay up, the kernel routes stay - and a new NETCONF session works within a second.
Also: it runs without root or capabilities; a crash loop is slowed down and logged; a
non-persistent confirmed commit is rolled back when the process dies and a persistent
one is not; a process that breaks the channel protocol or asks for a port that is
not its endpoint is refused and replaced, and routing never notices."""

import os
import pwd
import re
import signal
import sys
import threading
import time

import pytest
from ncclient.operations.rpc import RPCError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'interop'))

import bgp_helpers as H	# noqa: E402
import nclib	# noqa: E402
from nclib import HGW, HGWNC, Server, cfg, users_xml, xp	# noqa: E402
from hgwlab.hgw import drop_user	# noqa: E402
from hgwlab import util	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403
from hgwlab.netns import veth	# noqa: E402

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

CLOUD_NET, CLOUD_HOST = '198.51.100.0/24', '198.51.100.1'
LAN_NET, LAN_GW, LAN_HOST = '10.1.0.0/24', '10.1.0.1', '10.1.0.2'
BIRD_GW, BIRD_PEER, BIRD_AS = '10.2.0.1', '10.2.0.2', 65100
BIRD_ROUTES = 5000
SCALE = util.TIMEOUT_SCALE


def gateway_xml(extra=''):
	return ('<gateway xmlns="%s"><router-id>%s</router-id><as>%d</as>'
		'<circuit><name>er1</name><link><name>primary</name><interface>gw0</interface>'
		'<local-address>%s</local-address><bgp><peer-address>%s</peer-address>'
		'<peer-as>%d</peer-as><hold-time>9</hold-time><connect-retry>1</connect-retry>'
		'</bgp></link></circuit>'
		'<lan><peer><name>bird</name><local-address>%s</local-address><bgp>'
		'<peer-address>%s</peer-address><peer-as>%d</peer-as><hold-time>9</hold-time>'
		'<connect-retry>1</connect-retry></bgp></peer>'
		'<local-prefix>%s</local-prefix></lan>%s%s</gateway>\n' %
		(HGW, H.GW4, H.GW_AS, H.GW4, H.PEER4, H.PEER_AS, BIRD_GW, BIRD_PEER, BIRD_AS,
		 LAN_NET, users_xml(), extra))


def children(pid):
	"""Pids of pid's children."""
	out = []
	for t in os.listdir('/proc/%d/task' % pid):
		try:
			with open('/proc/%d/task/%s/children' % (pid, t)) as f:
				out += [int(x) for x in f.read().split()]
		except OSError:
			pass
	return out


def nc_pid(srv):
	"""The pid of hybridgwd's live hybridgw-netconf, or None."""
	for c in children(srv.d.proc.pid):
		try:
			with open('/proc/%d/comm' % c) as f:
				comm = f.read().strip()
			with open('/proc/%d/stat' % c) as f:
				zombie = f.read().split(') ', 1)[1][0] == 'Z'
		except OSError:
			continue
		if comm.startswith('hybridgw-netcon') and not zombie:
			return c
	return None


def status(pid):
	with open('/proc/%d/status' % pid) as f:
		return dict(line.rstrip('\n').split(':\t', 1) for line in f if ':\t' in line)


def kill9(srv):
	pid = nc_pid(srv)
	assert pid, 'no hybridgw-netconf under hybridgwd'
	os.kill(pid, signal.SIGKILL)
	return pid


def back_in(srv, old_pid, limit=5.0):
	"""Seconds from now until a new process runs, and until it serves a new
	ncclient session (an SSH handshake: the part a loaded machine slows)."""
	t0 = time.monotonic()
	end = t0 + limit * SCALE
	started = None
	while time.monotonic() < end:
		pid = nc_pid(srv)
		if pid and pid != old_pid:
			if started is None:
				started = time.monotonic() - t0
			try:
				m = srv.connect('view', timeout=2)
				m.close_session()
				return started, time.monotonic() - t0
			except Exception:	# noqa: BLE001 - not yet
				pass
		time.sleep(0.01)
	raise AssertionError('NETCONF not back within %.1f s:\n%s' % (limit * SCALE, srv.d.tail()))


def fib(gw):
	out = gw.run(['ip', 'route', 'show', 'proto', 'hybridgw'], check=True).stdout
	return sorted(line.split()[0] for line in out.splitlines() if line.strip())


def bird_since(b):
	"""When BIRD's session to us was established (changes if it flaps)."""
	for line in b.birdc('show protocols gwpeer').splitlines():
		f = line.split()
		if len(f) >= 6 and f[0] == 'gwpeer' and f[5] == 'Established':
			# BIRD prints it to the millisecond from its monotonic
			# clock, which may come out 1 ms apart between two reads:
			# a flap moves it by far more (NOTIFICATION, TCP, OPEN)
			h, m, sec = f[4].split(':')
			return int(h) * 3600 + int(m) * 60 + float(sec)
	return None


@pytest.fixture
def routed(hgw_bin, netns, workdir, frr, bird):
	"""lan host -- gw (hybridgwd) -- FRR (circuit, announces the cloud net)
	                 gw -- BIRD (LAN peer, BIRD_ROUTES routes)."""
	gw, pe = H.link(netns)
	gw.run(['sysctl', '-qw', 'net.ipv4.ip_forward=1'], check=True)
	lan = netns('lan')
	veth(gw, 'lan0', lan, 'h0', LAN_GW + '/24', LAN_HOST + '/24')
	lan.run(['ip', 'route', 'add', 'default', 'via', LAN_GW], check=True)
	# the cloud host behind FRR, and FRR's way back to the LAN
	pe.run(['ip', 'addr', 'add', CLOUD_HOST + '/32', 'dev', 'lo'], check=True)
	pe.run(['ip', 'route', 'add', LAN_NET, 'via', H.GW4], check=True)
	bn = netns('bird')
	veth(gw, 'bd0', bn, 'b0', BIRD_GW + '/24', BIRD_PEER + '/24')
	f = frr(pe, H.frr_conf([CLOUD_NET], v6=False))
	routes = ['100.%d.%d.0/24' % (i // 256, i % 256) for i in range(BIRD_ROUTES)]
	b = bird(bn, H.bird_conf(routes, peer=BIRD_GW, peer_as=H.GW_AS, asn=BIRD_AS,
				 local=BIRD_PEER, router_id=BIRD_PEER))
	s = Server(gw, workdir, config_text=gateway_xml()).start()
	f.wait_established(H.GW4)
	util.wait_for(lambda: bird_since(b), 20, 0.1, 'BIRD established')
	util.wait_for(lambda: len(fib(gw)) >= BIRD_ROUTES + 1, 30, 0.2, 'routes in the kernel')
	yield s, f, b, gw, lan
	s.stop()


def test_kill9_during_commit_and_get_leaves_routing_alone(routed, ping_stream):
	srv, f, b, gw, lan = routed
	est_frr = H.frr_neighbor(f)['connectionsEstablished']
	since_bird = bird_since(b)
	routes_before = fib(gw)
	p = ping_stream(lan, CLOUD_HOST, interval=0.01)
	time.sleep(0.5)
	back = []

	# 1. during commits: a client commits back to back (a harmless leaf,
	# through hybridgwd's whole transaction), the process dies under one
	cut = {'during': 0, 'acked': None}

	def committer(m, stop):
		v = 100
		while not stop.is_set():
			v += 1
			try:
				m.edit_config(target='candidate', config=cfg(
					'<netconf xmlns="%s"><idle-timeout>%d</idle-timeout></netconf>' %
					(HGWNC, v)))
				m.commit()
				cut['acked'] = v
			except Exception:	# noqa: BLE001 - the session died under it
				cut['during'] += 1
				return

	# two kills of each kind: four deaths in a few seconds, not yet what
	# the supervisor calls a crash loop (test_crash_loop_is_slowed_and_logged)
	for _ in range(2):
		m = srv.connect()
		stop = threading.Event()
		t = threading.Thread(target=committer, args=(m, stop))
		t.start()
		time.sleep(0.3)
		old = kill9(srv)
		t.join(10)
		stop.set()
		back.append(back_in(srv, old))
	assert cut['during'] >= 1, 'no kill landed while a commit was outstanding'
	# no acknowledged commit is lost: running holds the last one acked, or
	# the one in flight when the process died (committed by hybridgwd)
	m = srv.connect()
	now = int(xp(m.get_config('running'), '//n:idle-timeout/text()')[0])
	assert now in (cut['acked'], cut['acked'] + 1)
	assert srv.ctl('show config')['hybridgw:gateway']['hybridgw-netconf:netconf'][
		'idle-timeout'] == now
	m.close_session()

	# 2. during full <get>s (config + state, BIRD's routes in the RIB), back
	# to back as the commits were: however fast a <get> is here, the kill
	# finds one outstanding (or the next one about to be sent)
	def getter(m, res):
		while True:
			try:
				m.get()
				res['done'] = res.get('done', 0) + 1
			except Exception as e:	# noqa: BLE001 - the session died under it
				res['err'] = e
				return

	for _ in range(2):
		m = srv.connect()
		res = {}
		t = threading.Thread(target=getter, args=(m, res), daemon=True)
		t.start()
		util.wait_for(lambda: res.get('done'), 20, 0.01, 'a first full <get>')
		old = kill9(srv)
		t.join(20)
		back.append(back_in(srv, old))
		cut['get'] = cut.get('get', 0) + ('err' in res)
	assert cut['get'] == 2, 'a <get> session survived the kill of its process'

	# routing never noticed
	time.sleep(1.0)
	r = p.stop()
	assert r['lost'] == 0, 'ping through the gateway lost %d packets: %s' % (r['lost'], r)
	print('ping through the gateway: %s' % r)
	assert r['received'] >= 100 and r['recovered']
	assert H.frr_neighbor(f)['connectionsEstablished'] == est_frr
	assert f.bgp_neighbors().get(H.GW4) == 'Established'
	assert abs(bird_since(b) - since_bird) <= 0.002, (bird_since(b), since_bird)
	assert H.state(srv.d) == 'established'
	assert fib(gw) == routes_before
	# and the supervisor started a new server at once each time (serving
	# takes an SSH handshake more: within a second here when quiet, two at
	# load 9; back_in bounds it at 5 s)
	print('NETCONF started / serving after kill -9: %s s' %
	      ', '.join('%.3f / %.3f' % x for x in back))
	assert max(st for st, _ in back) < 1.0 * SCALE, back
	log = srv.log()
	assert log.count('killed by signal 9') >= 4
	assert 'crash loop' not in log


def test_runs_unprivileged(hgw_bin, netns, workdir):
	srv = Server(netns('priv'), workdir).start()
	try:
		pid = nc_pid(srv)
		st = status(pid)
		uids, gids = st['Uid'].split(), st['Gid'].split()
		assert '0' not in uids and '0' not in gids, st['Uid']
		for cap in ('CapInh', 'CapPrm', 'CapEff', 'CapAmb'):
			assert int(st[cap], 16) == 0, (cap, st[cap])
		assert st['NoNewPrivs'] == '1'
		assert st['Groups'].split() == [gids[0]]
		# hybridgwd is root, or the service's user when it dropped root
		# itself (--user): then the NETCONF process has that uid too,
		# but none of hybridgwd's capabilities (checked above), so it
		# cannot ptrace it either; the control socket stays with hybridgwd
		d_uid = str(pwd.getpwnam(drop_user()).pw_uid) if drop_user() else '0'
		assert status(srv.d.proc.pid)['Uid'].split()[0] == d_uid
		if drop_user():
			assert int(status(srv.d.proc.pid)['CapEff'], 16) != 0
		assert srv.ctl('show version', json=False)
		# the startup file (root's, 0600) is written by hybridgwd for it
		m = srv.connect()
		m.edit_config(target='running', config=cfg('<as>65011</as>'))
		m.copy_config(source='running', target='startup')
		st = os.stat(srv.config)
		assert str(st.st_uid) == d_uid and st.st_mode & 0o077 == 0
		assert '<as>65011</as>' in open(srv.config).read()
		# the endpoint moves away from 830 and back: 830 is bound by
		# hybridgwd for the unprivileged process
		m.edit_config(target='running', config=cfg(
			'<netconf xmlns="%s"><listen><port>8302</port></listen></netconf>' % HGWNC))
		srv.connect('oper', port=8302).close_session()
		m.edit_config(target='running', config=cfg(
			'<netconf xmlns="%s"><listen nc:operation="remove"/></netconf>' % HGWNC))
		srv.connect('view').close_session()
		assert 'bound port 830 for hybridgw-netconf' in srv.log()
		m.close_session()
	finally:
		srv.stop()


def test_crash_loop_is_slowed_and_logged(hgw_bin, netns, workdir):
	srv = Server(netns('loop'), workdir).start()
	try:
		for _ in range(6):
			old = util.wait_for(lambda: nc_pid(srv), 10, 0.01, 'hybridgw-netconf')
			os.kill(old, signal.SIGKILL)
			util.wait_for(lambda: nc_pid(srv) != old, 10, 0.01, 'it to go')
		log = util.wait_for(lambda: 'crash loop' in srv.log() and srv.log(), 5, 0.05,
				    'the crash loop logged')
		assert re.search(r'ended \d+ times in 30 s: a crash loop; next start in \d+ s', log)
		# slowed down: no process for a while, routing answers all along
		assert nc_pid(srv) is None
		assert srv.ctl('show version', json=False)
		# and it does come back
		util.wait_for(lambda: nc_pid(srv), 10, 0.05, 'hybridgw-netconf again')
		util.wait_for(lambda: srv.connect('view', timeout=2), 10, 0.1, 'a session').close_session()
	finally:
		srv.stop()


def test_confirmed_commit_across_a_crash(hgw_bin, netns, workdir):
	"""RFC 6241 8.4: a crash ends the session, so its confirmed commit is rolled
	back; a persistent one outlives it and is confirmed from a new session."""
	srv = Server(netns('cc'), workdir).start()
	try:
		m = srv.connect()
		m.edit_config(target='candidate', config=cfg('<as>65020</as>'))
		m.commit(confirmed=True, timeout='120')
		assert srv.ctl('show config')['hybridgw:gateway']['as'] == 65020
		back_in(srv, kill9(srv))
		util.wait_for(lambda: srv.ctl('show config')['hybridgw:gateway']['as'] == 65010,
			      5, 0.05, 'the rollback')
		assert 'abandoned: the NETCONF process ended its session' in srv.log()

		m = srv.connect()
		m.edit_config(target='candidate', config=cfg('<as>65021</as>'))
		m.commit(confirmed=True, timeout='120', persist='keep-me')
		back_in(srv, kill9(srv))
		time.sleep(0.5)
		assert srv.ctl('show config')['hybridgw:gateway']['as'] == 65021
		n = srv.connect('oper')
		# pending, owned by no live session: nobody may lock running
		with pytest.raises(RPCError) as ei:
			n.lock('running')
		assert ei.value.tag == 'lock-denied'
		n.commit(persist_id='keep-me')
		n.lock('running')
		n.unlock('running')
		assert xp(n.get_config('running'), '/nc:rpc-reply/nc:data/h:gateway/h:as/text()') == \
			['65021']
	finally:
		srv.stop()


# ------------------------------------------------------- a hostile NETCONF process

FAKE = r'''#!/usr/bin/python3
# a NETCONF process gone bad: it sends what argv[1] says on the channel (fd 3)
import os, socket, struct, sys, time
s = socket.socket(fileno=3)
def msg(t, body, flags=0, mid=1):
	return struct.pack('!IHHI', len(body), t, flags, mid) + body
hello = msg(1, struct.pack('!I', 1))
def answer():
	s.settimeout(5)
	data = b''
	while True:
		c = s.recv(65536)
		if not c:
			return None
		data += c
		while len(data) >= 12:
			n, t, f, i = struct.unpack('!IHHI', data[:12])
			if len(data) < 12 + n:
				break
			body, data = data[12:12 + n], data[12 + n:]
			if i:
				return t, body
what = sys.argv[1]
if what == 'garbage':
	s.sendall(msg(99, b'\xde\xad\xbe\xef'))
elif what == 'huge':
	s.sendall(struct.pack('!IHHI', 0x7fffffff, 2, 0, 1))
elif what == 'bind22':
	s.sendall(hello)
	answer()
	sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	body = struct.pack('!BH', 4, 22) + socket.inet_aton('127.0.0.1') + b'\0' * 12
	s.sendmsg([msg(11, body, mid=2)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack('i', sk.fileno()))])
	t, body = answer()
	rc = struct.unpack('!i', body[:4])[0]
	open(sys.argv[2], 'w').write('%d %s\n' % (rc, sk.getsockname()))
	# then a config that does not validate
	s.sendall(msg(2, struct.pack('!I', 1) + struct.pack('!I', 1) + b'x' + struct.pack('!I', 0) +
		      struct.pack('!I', 0) + struct.pack('!I', 15) + b'<gateway>x</a>\0', mid=3))
	t, body = answer()
	open(sys.argv[2], 'a').write('%d\n' % struct.unpack('!i', body[:4])[0])
time.sleep(30)
'''


@pytest.mark.parametrize('what', ['garbage', 'huge', 'bind22'])
def test_channel_refuses_a_bad_netconf_process(hgw_bin, netns, workdir, what):
	fake = os.path.join(workdir, 'fake-netconf')
	out = os.path.join(workdir, 'fake.out')
	with open(fake, 'w') as fh:
		fh.write(FAKE.replace("sys.argv[1]", repr(what)).replace("sys.argv[2]", repr(out)))
	os.chmod(fake, 0o755)
	srv = Server(netns('bad'), workdir)
	srv.d.env = dict(os.environ, HGW_NETCONF_EXE=fake)
	srv.d.start()
	try:
		if what == 'bind22':
			util.wait_for(lambda: os.path.exists(out) and
				      len(open(out).read().splitlines()) == 2, 10, 0.05, 'the answers')
			bind, commit = open(out).read().splitlines()
			assert bind.split()[0] == str(-13)		# EACCES: not its endpoint
			assert "'0.0.0.0', 0" in bind			# left unbound
			assert int(commit) < 0				# refused, validated again
		else:
			util.wait_for(lambda: 'netconf channel' in srv.log(), 10, 0.05, 'the refusal')
			log = srv.log()
			assert ('sent a malformed request' in log or 'sent a request too long' in log), log
		# routing is all there
		assert srv.ctl('show version', json=False)
		assert srv.ctl('show config')['hybridgw:gateway']['as'] == 65010
		assert srv.d.alive()
	finally:
		srv.stop()


def test_entry_commits_stay_in_step(hgw_bin, netns, workdir):
	"""A commit of a few edited entries crosses as those entries only; when
	hybridgwd's running moved meanwhile (hybridgwctl), the whole config
	crosses instead, and both processes end with the same running config."""
	srv = Server(netns('step'), workdir, extra_args=['-d', 'nb']).start()
	try:
		m = srv.connect()
		desc = '<circuit><name>er1</name><description>%s</description></circuit>'

		def both(want_as, want_desc):
			ctl = srv.ctl('show config')['hybridgw:gateway']
			nc = m.get_config('running')
			assert ctl['as'] == want_as
			assert ctl['circuit'][0].get('description') == want_desc
			assert xp(nc, '//h:gateway/h:as/text()') == [str(want_as)]
			assert xp(nc, '//h:circuit/h:description/text()') == [want_desc]

		m.edit_config(target='candidate', config=cfg(desc % 'one'))
		m.commit()
		both(65010, 'one')
		assert 'commit of' in srv.log() and '(entries)' in srv.log()
		# running moves under the candidate: the commit still lands whole
		m.edit_config(target='candidate', config=cfg(desc % 'two'))
		path = os.path.join(workdir, 'other.xml')
		with open(path, 'w') as f:
			f.write(nclib.gateway_xml().replace('<as>65010</as>', '<as>65012</as>'))
		srv.ctl(['config', 'apply', path], json=False)
		util.wait_for(lambda: xp(m.get_config('running'), '//h:gateway/h:as/text()') ==
			      ['65012'], 5, 0.05, 'the NETCONF copy following hybridgwctl')
		m.commit()
		both(65010, 'two')		# the candidate was made from as 65010
		m.edit_config(target='candidate', config=cfg(desc % 'three'))
		m.commit()
		both(65010, 'three')
		m.edit_config(target='running', config=cfg(desc % 'four'))
		both(65010, 'four')
	finally:
		srv.stop()
