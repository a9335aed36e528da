# SPDX-License-Identifier: ISC
"""hgwlab/fixtures.py - pytest fixtures over the harness; every fixture tears
down what it made, pass or fail. In a test file:

    sys.path.insert(0, os.environ['HGW_SRC'] + '/tests/lib')
    from hgwlab.fixtures import *	# noqa: F401,F403

    def test_x(netns, hgwd, frr):
        gw, peer = netns('gw'), netns('peer')
        hgwlab.veth(gw, 'eth1', peer, 'eth1', '10.0.0.1/30', '10.0.0.2/30')
        f = frr(peer, FRR_CONF)                  # started
        d = hgwd(gw, '/path/to/config.xml')      # started, control socket answers
        d.ctl('show bgp')                        # parsed --json output
"""

import os
import shutil

import pytest

from . import util
from .frr import Frr
from .hgw import Hybridgwd, hybridgwd_path, hybridgwctl_path
from .netns import Netns
from .nft import unsilence, silence as _silence
from .peers import Bird, Exabgp, Gobgp
from .ping import PingStream
from .swan import Swan
from .topo import Lab

__all__ = ['hgw_bin', 'netns', 'workdir', 'hgwd', 'frr', 'bird', 'gobgp', 'exabgp', 'swan',
	   'lab', 'silence', 'ping_stream']


def _tag(request):
	return request.node.name.replace('test_', '')[:12].replace('[', '').replace(']', '') or 't'


@pytest.fixture(scope='session')
def hgw_bin():
	"""(hybridgwd, hybridgwctl) paths; fails the test when not built."""
	if os.geteuid() != 0:
		pytest.skip('needs root (network namespaces)')
	for p in (hybridgwd_path(), hybridgwctl_path()):
		assert os.access(p, os.X_OK), '%s is not built (HGW_BUILD=%s)' % (
			p, os.environ.get('HGW_BUILD'))
	return hybridgwd_path(), hybridgwctl_path()


def _failed(request, before):
	"""Did the test fail (its call report is logged before teardown runs)?"""
	return request.session.testsfailed > before


@pytest.fixture
def workdir(request):
	"""A fresh directory, removed after a passing test (kept after a failure
	or when HGW_KEEP is set)."""
	before = request.session.testsfailed
	d = util.make_workdir(_tag(request))
	yield d
	if not os.environ.get('HGW_KEEP') and not _failed(request, before):
		shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def netns(request):
	"""netns(suffix='', forwarding=False) -> a new Netns named
	hgw-<test>-<pid>-<n>-<suffix>; all deleted after the test."""
	made = []

	def make(suffix='', forwarding=False):
		ns = Netns(util.unique_name(_tag(request), suffix), forwarding=forwarding)
		made.append(ns)
		return ns
	yield make
	for ns in reversed(made):
		ns.destroy()


def _factory(cls):
	def fixture(request):
		before = request.session.testsfailed
		made = []

		def make(*args, start=True, **kw):
			obj = cls(*args, **kw)
			made.append(obj)
			if start:
				obj.start()
			return obj
		yield make
		reports = []
		for obj in reversed(made):
			try:
				obj.stop()
			except Exception:	# noqa: BLE001 - keep tearing down
				pass
			san = getattr(obj, 'sanitizer_errors', None)
			if san and san():
				reports.append('%s:\n%s' % (obj.log, san()))
		if not reports and not _failed(request, before):
			for obj in made:
				if hasattr(obj, 'cleanup'):
					obj.cleanup()
		if reports:
			pytest.fail('sanitizer errors in hybridgwd:\n' + '\n'.join(reports), pytrace=False)
	return fixture


# hgwd(ns, config, ...) -> a started Hybridgwd; frr(ns, conf, ...) -> started Frr;
# likewise bird, gobgp, exabgp, swan. All stopped after the test; a hybridgwd whose
# log holds an ASan/LSan/UBSan report fails the test at teardown. Their directories
# (logs, sockets) are removed after a passing test and kept after a failing one.
hgwd = pytest.fixture(_factory(Hybridgwd), name='hgwd')
frr = pytest.fixture(_factory(Frr), name='frr')
bird = pytest.fixture(_factory(Bird), name='bird')
gobgp = pytest.fixture(_factory(Gobgp), name='gobgp')
exabgp = pytest.fixture(_factory(Exabgp), name='exabgp')
swan = pytest.fixture(_factory(Swan), name='swan')


@pytest.fixture
def lab(request):
	"""lab(path, nodes=None, configs=None, allow_failed=False) -> a Lab brought
	up with a unique prefix (configs: {node: path or text} overriding a node's
	config), torn down after the test (its logs in /tmp/hgwlab/PREFIX kept when
	the test failed). A daemon that fails to start fails the test unless
	allow_failed."""
	before = request.session.testsfailed
	made = []

	def make(path, nodes=None, configs=None, allow_failed=False):
		lb = Lab(path, prefix=util.unique_name(_tag(request)), configs=configs)
		made.append(lb)
		lb.up(nodes)
		if lb.failed and not allow_failed:
			pytest.fail('lab %s: %s' % (lb.topo.name, '; '.join(
				'%s: %s' % kv for kv in lb.failed.items())), pytrace=False)
		return lb
	yield make
	reports = []
	keep = bool(os.environ.get('HGW_KEEP')) or _failed(request, before)
	for lb in reversed(made):
		lb.down(keep_logs=keep)
		reports += lb.sanitizer_reports
	if reports:
		pytest.fail('sanitizer errors in hybridgwd:\n' + '\n'.join(reports), pytrace=False)


@pytest.fixture
def silence():
	"""silence(ns, iface=None): drop-all nftables table in ns; removed after the test."""
	done = []

	def make(ns, iface=None):
		_silence(ns, iface)
		done.append(ns)
	yield make
	for ns in done:
		unsilence(ns)


@pytest.fixture
def ping_stream():
	"""ping_stream(ns, dst, interval=0.01) -> a started PingStream; killed after the test."""
	made = []

	def make(ns, dst, **kw):
		p = PingStream(ns, dst, **kw).start()
		made.append(p)
		return p
	yield make
	for p in made:
		if p.result is None:
			p._kill()
