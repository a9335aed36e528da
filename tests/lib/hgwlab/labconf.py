# SPDX-License-Identifier: ISC
"""hgwlab/labconf.py - config variants of the lab nodes for scenario tests, to pass
as Lab(..., configs={node: text}): e.g. a cloud that announces N extra prefixes
through every edge (scale failover), a gateway config with one leaf changed."""

import os
import re

from . import util
from .hgw import src_dir


def lab_config(lab_name, node, filename):
	"""Text of topologies/configs/<lab_name>/<node>/<filename>."""
	with open(os.path.join(src_dir(), 'topologies', 'configs', lab_name, node, filename)) as f:
		return f.read()


def cloud_with_prefixes(lab_name, count=None, prefixes=None, base='10.128.0.0', plen=24):
	"""The lab's cloud bird.conf, plus a static protocol with `prefixes` (or
	`count` consecutive /plen from base) exported to every edge (ce1, ce2,
	vpngw...), which pass them on to the gateway: a scale source behind both
	the circuit and the VPN. BIRD builds 1M static routes in about a second."""
	if prefixes is None:
		prefixes = util.prefixes(count, base, plen)
	text = lab_config(lab_name, 'cloud', 'bird.conf')
	routes = ''.join('route %s blackhole;\n' % p for p in prefixes)
	text = text.replace('ipv4 { import filter onprem; export none; };',
			    'ipv4 { import filter onprem; export where proto = "scale"; };')
	if 'export where proto = "scale"' not in text:
		raise ValueError('unexpected cloud bird.conf in %s' % lab_name)
	return text + '\nprotocol static scale {\n\tipv4;\n' + routes + '}\n'


def gateway_with(lab_name, replacements, node='gw', filename='hybridgw.xml'):
	"""The lab's gateway config with textual replacements {old: new} applied
	(each old string must occur)."""
	text = lab_config(lab_name, node, filename)
	for old, new in replacements.items():
		if old not in text:
			raise ValueError('%r not in %s/%s/%s' % (old, lab_name, node, filename))
		text = text.replace(old, new)
	return text


def set_leaf(xml, leaf, value):
	"""Replace the first <leaf>...</leaf> in an XML config."""
	new, n = re.subn(r'<%s>[^<]*</%s>' % (leaf, leaf), '<%s>%s</%s>' % (leaf, value, leaf), xml, 1)
	if not n:
		raise ValueError('no <%s> in the config' % leaf)
	return new
