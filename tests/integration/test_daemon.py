# SPDX-License-Identifier: ISC
"""tests/integration/test_daemon.py - foundation acceptance of hybridgwd and hybridgwctl:
start in a namespace, show version/config, control socket mode, refusal of invalid
configs with path and reason, SIGHUP (bad file kept out, good file applied),
SIGTERM, `hybridgwctl config validate`."""

import json
import os
import re
import shutil
import signal
import stat
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ.get('HGW_SRC', os.path.join(
	os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'tests', 'lib'))

import hgwlab	# noqa: E402
from hgwlab.fixtures import *	# noqa: E402,F401,F403

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = os.path.join(HERE, 'daemon_gw.xml')
SECRET = 'md5-SECRET-do-not-show'

NS = 'urn:hybridgw:params:xml:ns:yang:hybridgw'


def cfg(body):
	return '<gateway xmlns="%s">\n%s\n</gateway>\n' % (NS, body)


def project_version():
	with open(os.path.join(hgwlab.src_dir(), 'CMakeLists.txt')) as f:
		return re.search(r'project\(hybridgw VERSION ([0-9.]+)', f.read()).group(1)


def find(doc, key):
	"""First value of `key` (with or without a module prefix) anywhere in a JSON doc."""
	if isinstance(doc, dict):
		for k, v in doc.items():
			if k == key or k.split(':')[-1] == key:
				return v
		for v in doc.values():
			r = find(v, key)
			if r is not None:
				return r
	elif isinstance(doc, list):
		for v in doc:
			r = find(v, key)
			if r is not None:
				return r
	return None


@pytest.fixture
def gwns(hgw_bin, netns):
	"""The gateway's namespace, with a veth to a peer namespace carrying the
	config's circuit link addresses (nothing listens on the far side)."""
	gw, peer = netns('gw'), netns('peer')
	hgwlab.veth(gw, 'eth1', peer, 'eth1', '172.16.1.1/30', '172.16.1.2/30')
	return gw


@pytest.fixture
def conf(workdir):
	"""A private copy of the good config (the SIGHUP tests rewrite it)."""
	p = os.path.join(workdir, 'gw.xml')
	shutil.copy(GOOD, p)
	return p


def write(path, text):
	tmp = path + '.tmp'
	with open(tmp, 'w') as f:
		f.write(text)
	os.replace(tmp, path)


# ------------------------------------------------------------------ running

def test_show_version(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	doc = d.ctl('show version')
	assert find(doc, 'version') == project_version(), doc
	up = find(doc, 'uptime')
	assert up is not None and int(up) >= 0, doc
	text = d.ctl('show version', json=False)
	assert 'hybridgw %s' % project_version() in text, text


def test_show_config_json(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	doc = d.ctl('show config')
	gw = doc.get('hybridgw:gateway')
	assert gw, doc
	assert gw['router-id'] == '10.255.0.1'
	assert int(gw['as']) == 65010
	assert int(gw['policy']['failback-delay']) == 5
	link = gw['circuit'][0]['link'][0]
	assert gw['circuit'][0]['name'] == 'er1'
	assert link['local-address'] == '172.16.1.1'
	assert link['bgp']['peer-address'] == '172.16.1.2'
	assert int(link['bgp']['peer-as']) == 12076
	assert gw['lan']['local-prefix'] == ['10.1.0.0/16']
	# Secrets are never shown (nacm:default-deny-all) nor logged.
	assert SECRET not in json.dumps(doc)
	assert SECRET not in d.ctl('show config', json=False)
	assert SECRET not in d.tail(1000)


def test_example_gateway_config(gwns, hgwd):
	"""docs/examples/gateway.xml is accepted and served back."""
	d = hgwd(gwns, os.path.join(hgwlab.src_dir(), 'docs', 'examples', 'gateway.xml'))
	gw = d.ctl('show config')['hybridgw:gateway']
	assert gw['router-id'] == '192.0.2.1'
	assert [c['name'] for c in gw['circuit']] == ['er1']
	assert sorted(v['name'] for v in gw['vpn-connection']) == ['azure-vpn', 'branch1']
	text = json.dumps(gw)
	for secret in ('er-secret-1', 'vpn-secret-1'):
		assert secret not in text


def test_control_socket_mode(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	st = os.stat(d.sock)
	assert stat.S_ISSOCK(st.st_mode)
	mode = stat.S_IMODE(st.st_mode)
	assert mode == 0o660, oct(mode)
	assert not mode & stat.S_IWOTH


def test_unknown_command_fails(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	p = d.ctl('show nonsense', json=False, check=False)
	assert p.returncode != 0
	assert 'unknown' in (p.stdout + p.stderr).lower()


def test_ctl_without_daemon(workdir, hgw_bin):
	p = hgwlab.hybridgwctl('show version', sock=os.path.join(workdir, 'none.sock'),
			       json=False, check=False)
	assert p.returncode != 0
	assert 'none.sock' in p.stderr


# ------------------------------------------------------------------ refusals

INVALID = {
	'bad-leaf-value': (
		cfg('<router-id>300.1.1.1</router-id><as>65010</as>'),
		'/hybridgw:gateway/router-id', r'pattern|does not conform'),
	'out-of-range': (
		cfg('<router-id>10.0.0.1</router-id><as>65010</as>'
		    '<circuit><name>er1</name><link><name>primary</name>'
		    '<local-address>172.16.1.1</local-address><bgp>'
		    '<peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as>'
		    '<hold-time>1</hold-time></bgp></link></circuit>'),
		"/hybridgw:gateway/circuit[name='er1']/link[name='primary']/bgp/hold-time",
		r'range'),
	'missing-mandatory-top': (
		cfg('<as>65010</as>'),
		'/hybridgw:gateway/router-id', r'[Mm]andatory'),
	'missing-mandatory-in-list': (
		cfg('<router-id>10.0.0.1</router-id><as>65010</as>'
		    '<circuit><name>er1</name><link><name>primary</name><bgp>'
		    '<peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as>'
		    '</bgp></link></circuit>'),
		'local-address', r'[Mm]andatory'),
	'unknown-element': (
		cfg('<router-id>10.0.0.1</router-id><as>65010</as><bogus>1</bogus>'),
		'/hybridgw:gateway', r'bogus.*not found|not found.*bogus'),
	'bad-enum': (
		cfg('<router-id>10.0.0.1</router-id><as>65010</as>'
		    '<policy><preference>fastest</preference></policy>'),
		'/hybridgw:gateway/policy/preference', r'[Ii]nvalid|enum'),
	'too-many-links': (
		cfg('<router-id>10.0.0.1</router-id><as>65010</as><circuit><name>er1</name>' +
		    ''.join('<link><name>l%d</name><local-address>172.16.1.%d</local-address>'
			    '<bgp><peer-address>172.16.2.%d</peer-address><peer-as>12076</peer-as>'
			    '</bgp></link>' % (i, i, i) for i in range(1, 4)) + '</circuit>'),
		'link', r'[Tt]oo many'),
	'not-xml': ('this is { not a config', '', r'.'),
}


@pytest.mark.parametrize('case', sorted(INVALID))
def test_invalid_config_refused(case, gwns, workdir):
	text, path, reason = INVALID[case]
	f = os.path.join(workdir, case + '.xml')
	write(f, text)
	p = hgwlab.run_daemon_once(f, ns=gwns, timeout=20)
	assert p.returncode is not None, 'hybridgwd kept running on an invalid config'
	assert p.returncode != 0
	assert path in p.stderr, p.stderr
	assert re.search(reason, p.stderr), p.stderr
	assert len(p.stderr.strip().splitlines()) <= 5, 'error is not precise:\n' + p.stderr


def test_missing_config_file(gwns, workdir, hgw_bin):
	f = os.path.join(workdir, 'absent.xml')
	p = hgwlab.run_daemon_once(f, ns=gwns, timeout=20)
	assert p.returncode not in (0, None)
	assert 'absent.xml' in p.stderr


# ------------------------------------------------------------------ signals

def test_sighup_bad_file_keeps_running_config(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	before = d.ctl('show config')
	for n, (text, path, _) in enumerate((INVALID['bad-leaf-value'], INVALID['unknown-element'],
					     INVALID['missing-mandatory-in-list']), 1):
		write(conf, text)
		d.reload()
		hgwlab.wait_for(lambda: d.tail(10000).count('refused') >= n, 5, 0.05,
				'the daemon to log refusal #%d' % n)
		assert path in d.tail(1).strip() or path in d.tail(5), d.tail(5)
		assert d.alive(), d.tail()
		assert d.ctl('show config') == before
		assert find(d.ctl('show version'), 'version') == project_version()


def test_sighup_good_file_applies(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	with open(conf) as f:
		text = f.read()
	text = text.replace('<router-id>10.255.0.1</router-id>', '<router-id>10.255.0.2</router-id>')
	text = text.replace('<local-prefix>10.1.0.0/16</local-prefix>',
			    '<local-prefix>10.1.0.0/16</local-prefix><local-prefix>10.9.0.0/16</local-prefix>')
	write(conf, text)
	d.reload()
	gw = hgwlab.wait_for(lambda: d.ctl('show config')['hybridgw:gateway']['router-id'] ==
			     '10.255.0.2' and d.ctl('show config')['hybridgw:gateway'], 5, 0.05,
			     'the new router-id')
	assert gw['lan']['local-prefix'] == ['10.1.0.0/16', '10.9.0.0/16']
	assert d.alive()


def test_sigterm_stops_cleanly(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	assert os.path.exists(d.sock)
	rc = d.stop()
	assert rc == 0, d.tail()
	assert not os.path.exists(d.sock), 'control socket left behind'


def test_sigint_stops_cleanly(gwns, conf, hgwd):
	d = hgwd(gwns, conf)
	d.proc.send_signal(signal.SIGINT)
	assert d.proc.wait(10) == 0, d.tail()
	assert not os.path.exists(d.sock)


# ------------------------------------------------------------------ config validate

def test_ctl_config_validate(gwns, conf, workdir, hgwd):
	d = hgwd(gwns, conf)
	before = d.ctl('show config')
	ok = hgwlab.validate_config(os.path.join(hgwlab.src_dir(), 'docs', 'examples',
						 'gateway.xml'), sock=d.sock)
	assert ok.returncode == 0, ok.stderr
	assert 'valid' in ok.stdout
	for case in ('bad-leaf-value', 'missing-mandatory-top', 'unknown-element', 'out-of-range'):
		text, path, reason = INVALID[case]
		f = os.path.join(workdir, case + '.xml')
		write(f, text)
		bad = hgwlab.validate_config(f, sock=d.sock)
		assert bad.returncode != 0, case
		assert path in bad.stderr and re.search(reason, bad.stderr), (case, bad.stderr)
	missing = hgwlab.validate_config(os.path.join(workdir, 'absent.xml'), sock=d.sock)
	assert missing.returncode != 0 and 'absent.xml' in missing.stderr
	# validation never touches the running configuration
	assert d.ctl('show config') == before
	assert d.alive()
