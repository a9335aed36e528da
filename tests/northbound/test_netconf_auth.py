# SPDX-License-Identifier: ISC
"""tests/northbound/test_netconf_auth.py - who may log in to hybridgwd's NETCONF server:
crypt(3) SHA-512 passwords, SSH public keys generated here, users added and removed
over NETCONF taking effect on commit, the host key created once and kept, and a smoke
run of OpenSSH's `ssh -s netconf` speaking raw NETCONF 1.0 framing."""

import os
import select
import shutil
import subprocess
import sys
import time

import pytest
from ncclient.operations.rpc import RPCError
from ncclient.transport.errors import AuthenticationError, SSHError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nclib import (BASE, HGW, HGWNC, PASSWORDS, PORT, Server, cfg, crypt6, keypair,	# noqa: E402
		   xp)
from hgwlab.fixtures import *	# noqa: E402,F401,F403
from hgwlab.hgw import drop_user	# noqa: E402

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

LOGIN_FAILED = (AuthenticationError, SSHError)


@pytest.fixture
def keys(workdir):
	return {'admin': keypair(workdir, 'admin'), 'view': keypair(workdir, 'view', 'rsa'),
		'stranger': keypair(workdir, 'stranger')}


@pytest.fixture
def srv(hgw_bin, netns, workdir, keys):
	s = Server(netns('auth'), workdir, keys={u: keys[u][1:] for u in ('admin', 'view')}).start()
	yield s
	s.stop()


def test_password_auth(srv):
	m = srv.connect('oper')
	assert xp(m.get_config('running'), '//h:router-id/text()') == ['10.255.0.1']
	m.close_session()
	with pytest.raises(LOGIN_FAILED):
		srv.connect('oper', password='wrong')
	with pytest.raises(LOGIN_FAILED):
		srv.connect('nobody', password='x')
	with pytest.raises(LOGIN_FAILED):
		srv.connect('admin', password=PASSWORDS['oper'])	# someone else's password
	assert 'password authentication failed for user nobody' in srv.log()
	assert PASSWORDS['oper'] not in srv.log()


def test_key_auth(srv, keys):
	m = srv.connect('admin', key=keys['admin'][0])
	assert m.session_id
	m.close_session()
	v = srv.connect('view', key=keys['view'][0])		# an RSA key
	with pytest.raises(RPCError):
		v.edit_config(target='running', config=cfg('<as>65011</as>'))
	with pytest.raises(LOGIN_FAILED):
		srv.connect('admin', key=keys['stranger'][0])
	with pytest.raises(LOGIN_FAILED):
		srv.connect('oper', key=keys['admin'][0])		# not oper's key


def test_users_follow_commits(srv, keys):
	a = srv.connect()
	with pytest.raises(LOGIN_FAILED):
		srv.connect('newbie', password='N3w-pass')
	alg, b64 = keys['stranger'][1:]
	a.edit_config(target='candidate', config=cfg(
		'<netconf xmlns="%s"><user><name>newbie</name><password>%s</password>'
		'<role>operator</role><authorized-key><name>laptop</name><algorithm>%s</algorithm>'
		'<key-data>%s</key-data></authorized-key></user></netconf>' %
		(HGWNC, crypt6('N3w-pass'), alg, b64)))
	with pytest.raises(LOGIN_FAILED):
		srv.connect('newbie', password='N3w-pass')	# not before the commit
	a.commit()
	n = srv.connect('newbie', password='N3w-pass')
	n.edit_config(target='running', config=cfg('<lan><local-prefix>10.40.0.0/16'
						   '</local-prefix></lan>'))
	n.close_session()
	srv.connect('newbie', key=keys['stranger'][0]).close_session()
	a.edit_config(target='running', config=cfg(
		'<netconf xmlns="%s"><user nc:operation="delete"><name>newbie</name></user>'
		'</netconf>' % HGWNC))
	with pytest.raises(LOGIN_FAILED):
		srv.connect('newbie', password='N3w-pass')
	# a clear-text password is refused with the path of the leaf
	with pytest.raises(RPCError) as ei:
		a.edit_config(target='running', config=cfg(
			'<netconf xmlns="%s"><user><name>x</name><password>plain</password></user>'
			'</netconf>' % HGWNC))
	assert ei.value.tag == 'invalid-value'
	assert "user[name='x']/password" in ei.value.path
	# a key blob that is not a key
	with pytest.raises(RPCError) as ei:
		a.edit_config(target='running', config=cfg(
			'<netconf xmlns="%s"><user><name>y</name><authorized-key><name>k</name>'
			'<algorithm>ssh-ed25519</algorithm><key-data>AAAA</key-data></authorized-key>'
			'</user></netconf>' % HGWNC))
	assert "authorized-key[name='k']" in ei.value.path
	assert 'not a valid' in ei.value.message


def test_listen_address_follows_config(srv):
	"""/gateway/netconf/listen moves the endpoint on commit; sessions already
	open stay."""
	a = srv.connect()
	a.edit_config(target='running', config=cfg(
		'<netconf xmlns="%s"><listen><port>8301</port></listen></netconf>' % HGWNC))
	b = srv.connect('oper', port=8301)
	assert xp(b.get_config('running'), '//n:listen/n:port/text()') == ['8301']
	with pytest.raises(LOGIN_FAILED):
		srv.connect('oper', port=PORT, timeout=5)
	assert xp(a.get_config('running'), '//h:router-id/text()') == ['10.255.0.1']
	a.edit_config(target='running', config=cfg(
		'<netconf xmlns="%s"><listen nc:operation="remove"/></netconf>' % HGWNC))
	srv.connect('view').close_session()	# back on the command line's port


def test_host_key_created_once(srv, workdir):
	key = os.path.join(workdir, 'state', 'ssh_host_ecdsa_key')
	st = os.stat(key)
	assert st.st_mode & 0o777 == 0o600
	before = open(key).read()
	assert 'PRIVATE KEY' in before
	srv.stop()
	srv.start()
	assert open(key).read() == before
	assert 'created SSH host key' not in srv.log().split('running on')[-1]
	srv.connect().close_session()


# an operator's own host key in the place of the generated one: libnetconf2
# needs the key's type for traditional PEM and takes PKCS#8 as "unknown"
HOSTKEY_FORMS = {
	'pkcs8-ec': [['openssl', 'genpkey', '-algorithm', 'EC',
		      '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', '{}']],
	'traditional-rsa': [['openssl', 'genrsa', '-traditional', '-out', '{}', '2048']],
	'ec-with-parameters': [['openssl', 'ecparam', '-name', 'prime256v1', '-genkey',
				'-out', '{}']],
}


@pytest.mark.parametrize('form', sorted(HOSTKEY_FORMS))
def test_operator_host_key(srv, workdir, form):
	key = os.path.join(workdir, 'state', 'ssh_host_ecdsa_key')
	srv.stop()
	os.unlink(key)
	for argv in HOSTKEY_FORMS[form]:
		subprocess.run([a.replace('{}', key) for a in argv], check=True,
			       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	os.chmod(key, 0o600)
	if drop_user():
		# the operator gives the service's user its key, as for the
		# state directory (StateDirectory=, hybridgwd --user)
		shutil.chown(key, drop_user(), drop_user())
	want = subprocess.run(['ssh-keygen', '-y', '-f', key], check=True, text=True,
			      stdout=subprocess.PIPE).stdout.split()[1]
	srv.start()
	srv.connect().close_session()
	scan = subprocess.run(['ip', 'netns', 'exec', srv.ns.name, 'ssh-keyscan', '-T', '20',
			       '-p', str(PORT), '127.0.0.1'], text=True,
			      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
	assert want in [ln.split()[2] for ln in scan.splitlines() if len(ln.split()) >= 3]
	assert 'created SSH host key' not in srv.log().split('running on')[-1]


def test_openssh_subsystem_smoke(srv, keys):
	"""OpenSSH client, NETCONF 1.0 framing: hello, get-config, close-session."""
	end = ']]>]]>'
	hello = ('<hello xmlns="%s"><capabilities><capability>urn:ietf:params:netconf:base:1.0'
		 '</capability></capabilities></hello>' % BASE)
	getcfg = ('<rpc message-id="1" xmlns="%s"><get-config><source><running/></source>'
		  '<filter type="subtree"><gateway xmlns="%s"><router-id/></gateway></filter>'
		  '</get-config></rpc>' % (BASE, HGW))
	close = '<rpc message-id="2" xmlns="%s"><close-session/></rpc>' % BASE
	argv = ['ip', 'netns', 'exec', srv.ns.name, 'ssh', '-i', keys['admin'][0],
		'-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
		'-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-p', str(PORT),
		'admin@127.0.0.1', '-s', 'netconf']
	# keep stdin open until the server closed the session (a client that
	# sends EOF first is not what this smoke test is about)
	p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
			     stderr=subprocess.PIPE)
	try:
		p.stdin.write((hello + end + getcfg + end + close + end).encode())
		p.stdin.flush()
		out = b''
		deadline = time.time() + 20
		while time.time() < deadline and out.count(end.encode()) < 3:
			r, _, _ = select.select([p.stdout], [], [], 0.5)
			if r:
				chunk = os.read(p.stdout.fileno(), 65536)
				if not chunk:
					break
				out += chunk
		p.wait(10)	# the server ends the session after close-session
	finally:
		if p.poll() is None:
			p.kill()
			p.wait()
	out = out.decode()
	assert 'urn:ietf:params:netconf:capability:candidate:1.0' in out, p.stderr.read()
	assert '<router-id>10.255.0.1</router-id>' in out
	assert out.count(end) >= 3
	assert '<ok/>' in out
