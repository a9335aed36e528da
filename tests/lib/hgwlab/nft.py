# SPDX-License-Identifier: ISC
"""hgwlab/nft.py - silence a peer: an nftables drop-all table inside its
namespace (links stay up, so only timers/BFD can notice), then remove it."""

from . import util

TABLE = 'hgw_silence'


def _nsname(ns):
	return getattr(ns, 'name', ns)


def silence(ns, iface=None):
	"""Drop every IPv4/IPv6 packet in, out and through namespace `ns` (or only
	those on interface `iface`). Idempotent."""
	unsilence(ns)
	if iface:
		match_in, match_out = 'iifname "%s" drop;' % iface, 'oifname "%s" drop;' % iface
		policy = 'accept'
	else:
		match_in = match_out = ''
		policy = 'drop'
	ruleset = '''table inet %(t)s {
	chain in { type filter hook input priority -400; policy %(p)s; %(mi)s }
	chain fwd_in { type filter hook forward priority -400; policy %(p)s; %(mi)s }
	chain fwd_out { type filter hook forward priority -399; policy %(p)s; %(mo)s }
	chain out { type filter hook output priority -400; policy %(p)s; %(mo)s }
}
''' % {'t': TABLE, 'p': policy, 'mi': match_in, 'mo': match_out}
	util.run(['ip', 'netns', 'exec', _nsname(ns), 'nft', '-f', '-'], input=ruleset)


def unsilence(ns):
	util.run(['ip', 'netns', 'exec', _nsname(ns), 'nft', 'delete', 'table', 'inet', TABLE],
		 check=False)


def silenced(ns):
	p = util.run(['ip', 'netns', 'exec', _nsname(ns), 'nft', 'list', 'tables'], check=False)
	return ('inet %s' % TABLE) in p.stdout


class Silence:
	"""Context manager: `with Silence(ns): ...` silences for the block."""

	def __init__(self, ns, iface=None):
		self.ns, self.iface = ns, iface
		self._closer = None

	def __enter__(self):
		silence(self.ns, self.iface)
		self._closer = util.register(lambda: unsilence(self.ns))
		return self

	def __exit__(self, *exc):
		unsilence(self.ns)
		util.unregister(self._closer)
