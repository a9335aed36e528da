# SPDX-License-Identifier: ISC
"""tests/northbound/nclib.py - shared helpers of the NETCONF tests: a hybridgwd with its
NETCONF server in a private namespace, users with hashed passwords and generated SSH
keys, and ncclient sessions opened inside that namespace."""

import contextlib
import ctypes
import os
import subprocess
import sys
import time

from lxml import etree
from ncclient import manager
import ncclient.transport.ssh

# ncclient's transport thread sends queued requests only when its select()
# tick (100 ms) expires: that, not the server, would dominate every RPC.
ncclient.transport.ssh.TICK = 0.002

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

import hgwlab	# noqa: E402
from hgwlab.hgw import Hybridgwd	# noqa: E402

HGW = 'urn:hybridgw:params:xml:ns:yang:hybridgw'
HGWNC = 'urn:hybridgw:params:xml:ns:yang:hybridgw-netconf'
BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0'
NOTIF = 'urn:ietf:params:xml:ns:netconf:notification:1.0'
NCN = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications'
WD = 'urn:ietf:params:xml:ns:netconf:default:1.0'
NSMAP = {'h': HGW, 'n': HGWNC, 'nc': BASE, 'ncn': NCN}

SECRET = 'md5-SECRET-do-not-show'
PASSWORDS = {'admin': 'Adm1n-pass', 'oper': 'Op3r-pass', 'view': 'V1ew-pass'}
ROLES = {'admin': 'admin', 'oper': 'operator', 'view': 'viewer'}
PORT = 830

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL('libc.so.6', use_errno=True)


@contextlib.contextmanager
def in_netns(name):
	"""Run the body (this thread) inside network namespace `name`: sockets
	created here stay there."""
	old = os.open('/proc/self/ns/net', os.O_RDONLY)
	new = os.open('/run/netns/' + name, os.O_RDONLY)
	try:
		if _libc.setns(new, _CLONE_NEWNET) != 0:
			raise OSError(ctypes.get_errno(), 'setns')
		try:
			yield
		finally:
			_libc.setns(old, _CLONE_NEWNET)
	finally:
		os.close(new)
		os.close(old)


def crypt6(password):
	"""A crypt(3) SHA-512 hash, as `openssl passwd -6` makes it."""
	return subprocess.run(['openssl', 'passwd', '-6', password], check=True, text=True,
			      stdout=subprocess.PIPE).stdout.strip()


def keypair(workdir, name, kind='ed25519'):
	"""(private key path, algorithm, base64 blob) of a fresh key."""
	path = os.path.join(workdir, 'id_' + name)
	if not os.path.exists(path):
		subprocess.run(['ssh-keygen', '-q', '-t', kind, '-N', '', '-C', name, '-f', path],
			       check=True)
	alg, b64 = open(path + '.pub').read().split()[:2]
	return path, alg, b64


_HASHES = {}


def users_xml(keys=None):
	"""<netconf> with the three users; keys: {user: (alg, b64)}."""
	out = ['<netconf xmlns="%s">' % HGWNC]
	for u, pw in PASSWORDS.items():
		if u not in _HASHES:
			_HASHES[u] = crypt6(pw)
		out.append('<user><name>%s</name><password>%s</password><role>%s</role>' %
			   (u, _HASHES[u], ROLES[u]))
		if keys and u in keys:
			alg, b64 = keys[u]
			out.append('<authorized-key><name>k1</name><algorithm>%s</algorithm>'
				   '<key-data>%s</key-data></authorized-key>' % (alg, b64))
		out.append('</user>')
	out.append('</netconf>')
	return ''.join(out)


def gateway_xml(keys=None, extra=''):
	return ('<gateway xmlns="%s"><router-id>10.255.0.1</router-id><as>65010</as>'
		'<circuit><name>er1</name><link><name>primary</name><interface>eth1</interface>'
		'<local-address>172.16.1.1</local-address><bgp><peer-address>172.16.1.2</peer-address>'
		'<peer-as>12076</peer-as><hold-time>9</hold-time><connect-retry>1</connect-retry>'
		'<md5-key>%s</md5-key></bgp></link></circuit>'
		'<lan><local-prefix>10.1.0.0/16</local-prefix></lan>%s%s</gateway>\n' %
		(HGW, SECRET, users_xml(keys), extra))


class Server:
	"""hybridgwd with NETCONF on 127.0.0.1:830 inside its own namespace."""

	def __init__(self, ns, workdir, config_text=None, keys=None, extra_args=()):
		self.ns = ns
		self.workdir = workdir
		self.config = os.path.join(workdir, 'gw.xml')
		self.state = os.path.join(workdir, 'state')
		self.keys = {}
		with open(self.config, 'w') as f:
			f.write(config_text or gateway_xml(keys))
		self.d = Hybridgwd(ns, self.config, workdir=workdir,
				   extra_args=['-n', '127.0.0.1:%d' % PORT, '-S', self.state] +
				   list(extra_args))

	def start(self):
		self.d.start()
		hgwlab.util.wait_for(self._listening, 10, 0.05, 'NETCONF port')
		return self

	def _listening(self):
		out = subprocess.run(['ip', 'netns', 'exec', self.ns.name, 'ss', '-ltn'],
				     text=True, stdout=subprocess.PIPE).stdout
		return ':%d ' % PORT in out

	def stop(self):
		"""SIGTERM; fails when the daemon's log carries sanitizer reports
		(ASan/LSan/UBSan builds) or it did not exit cleanly."""
		rc = self.d.stop()
		san = self.d.sanitizer_errors()
		assert not san, 'sanitizer errors in hybridgwd:\n' + san
		assert rc in (0, None), 'hybridgwd exited with %s:\n%s' % (rc, self.d.tail())
		return rc

	def ctl(self, args, json=True, check=True):
		return self.d.ctl(args, json=json, check=check)

	def log(self):
		with open(self.d.log) as f:
			return f.read()

	def connect(self, user='admin', password=None, key=None, timeout=20, port=PORT):
		kw = dict(host='127.0.0.1', port=port, username=user, hostkey_verify=False,
			  look_for_keys=False, allow_agent=False, timeout=timeout)
		if key:
			kw['key_filename'] = key
		else:
			kw['password'] = password if password is not None else PASSWORDS[user]
		with in_netns(self.ns.name):
			return manager.connect(**kw)


HELLO11 = (b'<?xml version="1.0"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
	   b'<capabilities><capability>urn:ietf:params:netconf:base:1.1</capability>'
	   b'</capabilities></hello>]]>]]>')


def raw_session(srv, user='view', hello=True):
	"""A paramiko channel on the netconf subsystem after the server's <hello>
	and (hello=True) ours, base:1.1 announced: raw bytes, nothing checked by a
	client library. With hello=False, returns the server's <hello> as well:
	the session is then still in its handshake."""
	import socket
	import paramiko
	with in_netns(srv.ns.name):
		sock = socket.create_connection(('127.0.0.1', PORT), timeout=10)
	t = paramiko.Transport(sock)
	t.connect(username=user, password=PASSWORDS[user])
	c = t.open_session()
	c.invoke_subsystem('netconf')
	c.settimeout(10)
	buf = b''
	while b']]>]]>' not in buf:
		buf += c.recv(65536)
	if not hello:
		return t, c, buf
	c.sendall(HELLO11)
	return t, c


def xml_of(reply):
	return etree.fromstring(reply.xml.encode() if isinstance(reply.xml, str) else reply.xml)


def xp(reply, path):
	"""Texts of the nodes matching path (NSMAP prefixes) in a reply."""
	return [e.text if hasattr(e, 'text') else str(e)
		for e in xml_of(reply).xpath(path, namespaces=NSMAP)]


def cfg(body, ns=HGW):
	"""An edit-config <config> holding a <gateway> body."""
	return ('<config xmlns="%s" xmlns:nc="%s"><gateway xmlns="%s">%s</gateway></config>' %
		(BASE, BASE, ns, body))


def wait(pred, timeout=10.0, step=0.05, what='condition'):
	end = time.time() + timeout
	while time.time() < end:
		v = pred()
		if v:
			return v
		time.sleep(step)
	raise AssertionError('timed out waiting for ' + what)
