# SPDX-License-Identifier: ISC
"""hgwlab/ipsec.py - IPsec tunnels hybridgw runs (vpn-connection with ike),
against strongSwan or a second hybridgwd, on the two-gateway topology of
esp.py:

    ha (10.1.0.2) -- ga (10.1.0.1 | 192.0.2.1) ==wan== gb (192.0.2.2 | 10.2.0.1) -- hb (10.2.0.2)

hgw_config() writes a hybridgwd configuration with one managed tunnel;
swanctl() writes a swanctl.conf for the other end. strongSwan runs with
kernel-libipsec (userspace ESP over TUN, routes in table 220): its
selectors are the LANs (a 0.0.0.0/0 selector would route its own
decrypted packets back into the tunnel), ours are route-based 0/0 and
narrowed to its."""

import os
import re
import shutil
import subprocess

from . import esp, hgw, util

GA_WAN, GB_WAN = esp.GA_WAN, esp.GB_WAN
HA, HB = esp.HA, esp.HB
HA6, HB6 = esp.HA6, esp.HB6
PSK = 'ipsec-test-psk-0123456789'

# strongswan.conf for charon-systemd: kernel-libipsec, its own packets marked
# and kept out of table 220 (notes/real-peers.md).
SWAN_CONF = '''# written by hgwlab/ipsec.py for one charon-systemd instance
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 constraints pubkey sha1 sha2 hmac aes gcm gmp curve25519 kdf kernel-libipsec kernel-netlink socket-default vici updown
  filelog {
    log { path = $DIR/charon.log
          time_format = %%T
          default = 1
          ike = 2
          cfg = 2
          flush_line = yes }
  }
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  retransmit_tries = 4
%(extra)s
  plugins {
    vici { socket = unix://$DIR/charon.vici }
    socket-default { fwmark = 0x4242 }
    kernel-netlink { fwmark = !0x4242 }
  }
}
charon-systemd {
  journal { default = -1 }
}
swanctl {
  load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
  socket = unix://$DIR/charon.vici
}
'''


def swan_conf(extra=''):
	return SWAN_CONF % {'extra': extra}


def swanctl(local, remote, lts, rts, psk=PSK, local_id=None, remote_id=None,
	    proposals='default', esp_proposals='default', start='none', dpd_delay=None,
	    rekey_time=None, child_rekey_time=None, life_time=None, child_life_time=None,
	    child_rand_time=None, cert=None, key=None, ca=None, encap=False, remote_port=None, extra_conn='',
	    name='hgw'):
	"""A swanctl.conf with one connection NAME and one child NAME. With cert,
	key and ca (file paths) it authenticates with public keys, else with psk.
	start: none (wait), start (initiate at load), trap."""
	local_id = local_id or local
	remote_id = remote_id or remote
	opts = []
	if dpd_delay is not None:
		opts.append('dpd_delay = %ss' % dpd_delay)
	if rekey_time is not None:
		opts.append('rekey_time = %ss' % rekey_time)
	if life_time is not None:
		opts.append('over_time = %ss' % max(1, life_time - (rekey_time or 0)))
	elif rekey_time is not None:
		opts.append('over_time = %ss' % rekey_time)	# not charon's 10 %
	if encap:
		opts.append('encap = yes')
	if remote_port:
		opts.append('remote_port = %d' % remote_port)
	copts = []
	if child_rekey_time is not None:
		copts.append('rekey_time = %ss' % child_rekey_time)
	if child_life_time is not None:
		copts.append('life_time = %ss' % child_life_time)
	elif child_rekey_time is not None:
		copts.append('life_time = %ss' % (2 * child_rekey_time))
	if child_rand_time is not None:
		copts.append('rand_time = %ss' % child_rand_time)
	if dpd_delay is not None:
		copts.append('dpd_action = clear')
	if cert:
		lauth = 'auth = pubkey\n      certs = %s' % os.path.basename(cert)
		rauth = 'auth = pubkey\n      cacerts = %s' % os.path.basename(ca)
	else:
		lauth = rauth = 'auth = psk'
	secrets = '' if cert else '''secrets {
  ike-1 { id-1 = %s
          id-2 = %s
          secret = "%s" }
}
''' % (local_id, remote_id, psk)
	if cert:
		secrets = ''	# swan_creds() puts the files where swanctl looks
	return '''connections {
  %(name)s {
    version = 2
    local_addrs = %(local)s
    remote_addrs = %(remote)s
    proposals = %(proposals)s
    %(opts)s
    %(extra)s
    local {
      %(lauth)s
      id = %(lid)s
    }
    remote {
      %(rauth)s
      id = %(rid)s
    }
    children {
      %(name)s {
        local_ts = %(lts)s
        remote_ts = %(rts)s
        esp_proposals = %(esp)s
        start_action = %(start)s
        %(copts)s
      }
    }
  }
}
%(secrets)s''' % {'name': name, 'local': local, 'remote': remote, 'proposals': proposals,
		 'opts': '\n    '.join(opts), 'extra': extra_conn, 'lauth': lauth, 'rauth': rauth,
		 'lid': local_id, 'rid': remote_id, 'lts': lts, 'rts': rts, 'esp': esp_proposals,
		 'start': start, 'copts': '\n        '.join(copts), 'secrets': secrets}


def swan_creds(swandir, cert, key, ca):
	"""Copy a certificate, its key and the CA where swanctl --load-all
	finds them (x509/, private/, x509ca/ beside swanctl.conf)."""
	import shutil
	for sub, f in (('x509', cert), ('private', key), ('x509ca', ca)):
		os.makedirs(os.path.join(swandir, sub), exist_ok=True)
		shutil.copy(f, os.path.join(swandir, sub, os.path.basename(f)))


def hgw_config(local, remote, remote_prefixes=(), ifname='ipsec-t1', psk=PSK, ike=None,
	       esp_opts=None, tunnel_extra='', inside=None, bgp=None, router_id='10.255.0.1',
	       asn=65010, conn='peer', role='site', local_prefixes=()):
	"""A hybridgwd config (XML) with one vpn-connection CONN, one tunnel t1 on
	IFNAME. ike/esp_opts: {leaf: value} added to the containers (psk None
	leaves pre-shared-key out, e.g. for certificates). bgp: (peer, as)."""
	ike = dict(ike or {})
	if psk is not None:
		ike.setdefault('pre-shared-key', psk)
	ike_xml = ''.join('<%s>%s</%s>' % (k, v, k) for k, v in ike.items())
	esp_xml = ''
	if esp_opts:
		parts = []
		for k, v in esp_opts.items():
			for one in (v if isinstance(v, (list, tuple)) else [v]):
				parts.append('<%s>%s</%s>' % (k, one, k))
		esp_xml = '<esp>%s</esp>' % ''.join(parts)
	pfx = ''.join('<remote-prefix>%s</remote-prefix>' % p for p in remote_prefixes)
	ins = '<inside-address>%s</inside-address>' % inside if inside else ''
	bgpx = ''
	if bgp:
		bgpx = ('<bgp><peer-address>%s</peer-address><peer-as>%d</peer-as>'
			'<hold-time>9</hold-time><connect-retry>1</connect-retry></bgp>' % bgp)
	lan = ''
	if local_prefixes:
		lan = '<lan>%s</lan>' % ''.join('<local-prefix>%s</local-prefix>' % p
						for p in local_prefixes)
	return '''<gateway xmlns="urn:hybridgw:params:xml:ns:yang:hybridgw">
  <router-id>%(rid)s</router-id>
  <as>%(asn)d</as>
  <vpn-connection>
    <name>%(conn)s</name>
    <role>%(role)s</role>
    <ike>%(ike)s</ike>
    %(esp)s
    %(pfx)s
    <tunnel>
      <name>t1</name>
      <local-address>%(local)s</local-address>
      <remote-address>%(remote)s</remote-address>
      <interface>%(ifname)s</interface>
      %(ins)s
      %(extra)s
      %(bgp)s
    </tunnel>
  </vpn-connection>
  %(lan)s
</gateway>
''' % {'rid': router_id, 'asn': asn, 'conn': conn, 'role': role, 'ike': ike_xml,
       'esp': esp_xml, 'pfx': pfx, 'local': local, 'remote': remote, 'ifname': ifname,
       'ins': ins, 'extra': tunnel_extra, 'bgp': bgpx, 'lan': lan}


def debug_args():
	"""hybridgwd's vpn debug log when HGW_VPN_DEBUG is set."""
	return ['-d', 'vpn'] if os.environ.get('HGW_VPN_DEBUG') else []


def write(workdir, name, text):
	path = os.path.join(workdir, name)
	with open(path, 'w') as f:
		f.write(text)
	os.chmod(path, 0o600)
	if hgw.drop_user():
		# a hybridgwd that dropped root reads it again on SIGHUP: the
		# service's user owns its configuration (keys in it: 0600)
		shutil.chown(path, hgw.drop_user(), hgw.drop_user())
	return path


def tunnel(d, conn='peer', name='t1'):
	"""The tunnel's entry in show vpn --json, or None."""
	st = d.ctl('show vpn')
	for t in st.get('hybridgw:gateway-state', {}).get('vpn', {}).get('tunnel', []):
		if t['connection'] == conn and t['name'] == name:
			return t
	return None


def tunnel_state(d, conn='peer', name='t1'):
	t = tunnel(d, conn, name)
	return t['state'] if t else None


def wait_up(d, timeout=15.0, conn='peer', name='t1'):
	util.wait_for(lambda: tunnel_state(d, conn, name) == 'up', timeout, 0.1,
		      'tunnel %s/%s up:\n%s' % (conn, name, ''))
	return tunnel(d, conn, name)


def ping(ns, dst, count=3, timeout=10.0):
	"""Ping until it answers (the first packets may meet an SA being set up)."""
	def ok():
		return ns.run(['ping', '-c', '1', '-W', '1', dst], check=False).returncode == 0
	util.wait_for(ok, timeout, 0.2, 'ping %s from %s' % (dst, ns.name))
	p = ns.run(['ping', '-c', str(count), '-i', '0.2', '-W', '2', dst], check=False)
	return p.returncode == 0


def swan_sas(s):
	"""swanctl --list-sas as text."""
	return s.swanctl(['--list-sas'], check=False).stdout


def swan_child_up(s, child='hgw'):
	out = swan_sas(s)
	return bool(re.search(r'\b%s: #\d+, reqid \d+, INSTALLED' % re.escape(child), out))


def swan_log(s):
	try:
		with open(os.path.join(s.dir, 'charon.log'), errors='replace') as f:
			return f.read()
	except OSError:
		return ''


def iperf(ns_client, ns_server, dst, seconds, extra=()):
	"""iperf3 -c dst -t seconds (extra: e.g. ['-u', '-b', '20M']); returns
	(client report, server report) as dicts."""
	import json
	import time
	probe = [x for x in extra if x == '-u']

	def ready():
		srv = ns_server.popen(['iperf3', '-s', '-1'], stdout=subprocess.DEVNULL,
				      stderr=subprocess.DEVNULL)
		time.sleep(0.2)
		ok = ns_client.run(['iperf3', '-c', dst, '-t', '1'] + probe, check=False,
				   timeout=20).returncode == 0
		srv.kill()
		srv.wait()
		return ok
	util.wait_for(ready, 20.0, 0.2, 'iperf3 through the tunnel to %s' % dst)
	srv = ns_server.popen(['iperf3', '-s', '-1', '-J'], stdout=subprocess.PIPE,
			      stderr=subprocess.DEVNULL, text=True)
	time.sleep(0.3)
	c = ns_client.run(['iperf3', '-c', dst, '-t', str(seconds), '-J'] + list(extra),
			  timeout=seconds + 60, check=False)
	try:
		out, _ = srv.communicate(timeout=30)
	except subprocess.TimeoutExpired:
		srv.kill()
		out, _ = srv.communicate()
	return (json.loads(c.stdout) if c.stdout else {}), (json.loads(out) if out else {})


# iperf3 arguments of a stream well below every tunnel's capacity here
# (ASan builds included): 10 Mbit/s of UDP, with big socket buffers so
# that a receiver the scheduler leaves waiting does not drop what the
# tunnel delivered.
UDP_STREAM = ['-u', '-b', '10M', '-w', '4M']


def udp_rcvbuf_errors(ns):
	"""Datagrams the kernel of ns dropped for a full socket receive buffer
	(Udp RcvbufErrors, /proc/net/snmp)."""
	lines = [x.split() for x in ns.out(['cat', '/proc/net/snmp']).splitlines()
		 if x.startswith('Udp:')]
	return int(lines[1][lines[0].index('RcvbufErrors')])


def dataplane(d):
	return d.ctl('show vpn')['hybridgw:gateway-state']['vpn']['dataplane']


def log_times(path, word):
	"""Epoch seconds of hybridgwd log lines (HH:MM:SS.mmm, local time, this
	day) that contain word."""
	import datetime
	import time as _t
	out = []
	today = datetime.date.today()
	with open(path, errors='replace') as f:
		for line in f:
			m = re.match(r'(\d\d):(\d\d):(\d\d)\.(\d+) ', line)
			if m and word in line:
				dt = datetime.datetime(today.year, today.month, today.day, int(m.group(1)),
						       int(m.group(2)), int(m.group(3)))
				out.append(_t.mktime(dt.timetuple()) + int(m.group(4)) / 1000.0)
	return out


def assert_no_loss_around(server, instants, before=1.0, after=2.0):
	"""No iperf3 interval (server report) overlapping [t - before, t + after]
	of any instant lost a datagram; the whole stream lost under 1 % (losses
	elsewhere are the host's: a receiver not scheduled in time)."""
	t0 = server['start']['timestamp']['timesecs']
	total = server['end']['sum']
	assert total['packets'] > 0, total
	assert total['lost_packets'] <= total['packets'] / 100, total
	for iv in server['intervals']:
		s, e = t0 + iv['sum']['start'], t0 + iv['sum']['end']
		for t in instants:
			if s <= t + after and e >= t - before:
				assert iv['sum']['lost_packets'] == 0, (
					'datagrams lost around a rekey at +%.1f s' % (t - t0),
					[(round(i['sum']['start']), i['sum']['lost_packets'])
					 for i in server['intervals'] if i['sum']['lost_packets']])


def make_pki(workdir, kind='rsa', names=('a.example.net', 'b.example.net')):
	"""A CA and one certificate per name (subjectAltName DNS:name), made
	with the openssl command: kind 'rsa' (2048) or 'ecdsa' (P-256; the CA
	P-384). Returns {'ca': path, name: (cert, key), ...}."""
	d = os.path.join(workdir, 'pki-' + kind)
	os.makedirs(d, exist_ok=True)

	def key(path, curve):
		if kind == 'rsa':
			util.run(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt',
				  'rsa_keygen_bits:2048', '-out', path])
		else:
			util.run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
				  'ec_paramgen_curve:' + curve, '-out', path])
	out = {'ca': os.path.join(d, 'ca.pem')}
	cakey = os.path.join(d, 'ca.key')
	key(cakey, 'P-384')
	util.run(['openssl', 'req', '-x509', '-new', '-key', cakey, '-out', out['ca'], '-days',
		  '30', '-subj', '/C=CH/O=hgwtest/CN=Test CA', '-addext',
		  'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
	for n in names:
		k, c, csr = (os.path.join(d, n + x) for x in ('.key', '.pem', '.csr'))
		ext = os.path.join(d, n + '.ext')
		with open(ext, 'w') as f:
			f.write('subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n' % n)
		key(k, 'P-256')
		util.run(['openssl', 'req', '-new', '-key', k, '-out', csr, '-subj',
			  '/C=CH/O=hgwtest/CN=%s' % n])
		util.run(['openssl', 'x509', '-req', '-in', csr, '-CA', out['ca'], '-CAkey', cakey,
			  '-CAcreateserial', '-out', c, '-days', '30', '-extfile', ext])
		out[n] = (c, k)
	for f in os.listdir(d):
		os.chmod(os.path.join(d, f), 0o644)
	return out
