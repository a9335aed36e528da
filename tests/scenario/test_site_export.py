# SPDX-License-Identifier: ISC
"""tests/scenario/test_site_export.py - a VPN-only site prefix (branch, role site, BIRD) is
advertised to the circuit peers and the LAN peer (read from the FRR peers' own RIBs),
withdrawn from the circuit as soon as the circuit announces a covering prefix (the
default route does not count), and advertised again when that cover goes (scenario 6)."""

from hgwlab import util

from conftest import (CE1, CE2)

SITE = '10.50.0.0/16'
GW1, GW2, GW_LAN = '172.16.1.1', '172.16.1.5', '10.1.0.1'


def _ce_announce(s, node, prefix, on=True):
	s.frr(node).vtysh(['configure terminal', 'router bgp 12076', 'address-family ipv4 unicast',
			   ('' if on else 'no ') + 'network ' + prefix])


def _adv_out(s, peer):
	"""Prefixes the gateway's Adj-RIB-Out holds for `peer` (show bgp neighbor X advertised)."""
	doc = s.ctl(['show', 'bgp', 'neighbor', peer, 'advertised'])
	res = set()
	for n in doc.get('hybridgw:gateway-state', {}).get('bgp', {}).get('neighbor', []):
		for r in n.get('route', []):
			if r.get('direction') == 'advertised':
				res.add(r['prefix'])
	return res


def _where(s):
	return {'ce1': SITE in s.peer_routes('ce1', GW1), 'ce2': SITE in s.peer_routes('ce2', GW2),
		'lanr': SITE in s.peer_routes('lanr', GW_LAN)}


def _wait_where(s, want, what, timeout=10):
	util.wait_for(lambda: _where(s) == want, timeout, 0.1, what)


def test_site_prefix_advertised_unless_circuit_covers_it(scen):
	s = scen()
	# learned from the branch only, through its tunnel
	r = s.rib(SITE)[SITE]
	assert r['active-class'] == 'vpn' and r['active-next-hop'] == ['169.254.30.1'], r
	assert s.kernel_nh(SITE) == ['169.254.30.1']
	everywhere = {'ce1': True, 'ce2': True, 'lanr': True}
	_wait_where(s, everywhere, 'the site prefix at both circuit edges and the LAN router')
	assert SITE in _adv_out(s, CE1) and SITE in _adv_out(s, CE2)
	# as the circuit peer sees it: from the gateway, through the gateway's AS and the branch's
	path = s.frr('ce1').vtysh_json('show bgp ipv4 unicast %s json' % SITE)['paths'][0]
	assert path['aspath']['string'] == '65010 65020', path['aspath']
	# traffic from the cloud side to the branch works through the gateway
	out = s.lb.exec('cloudhost', ['ping', '-c', '2', '-i', '0.2', '-W', '1', '10.50.1.10'], check=False)
	assert out.returncode == 0, out.stdout

	# the circuit announces a default route: that is not a cover
	_ce_announce(s, 'ce1', '0.0.0.0/0')
	util.wait_for(lambda: '0.0.0.0/0' in s.rib(), 10, 0.1, 'default route learned from ce1')
	assert s.rib()['0.0.0.0/0']['active-class'] == 'circuit'
	assert _where(s) == everywhere, 'a default route from the circuit withdrew the site'

	# the circuit announces 10.48.0.0/12 (covers 10.50.0.0/16): withdrawn from the circuit only
	_ce_announce(s, 'ce1', '10.48.0.0/12')
	_wait_where(s, {'ce1': False, 'ce2': False, 'lanr': True},
		    'site withdrawn from both circuit peers, kept on the LAN')
	assert SITE not in _adv_out(s, CE1) and SITE not in _adv_out(s, CE2)
	# forwarding does not change: the /16 still goes to the branch (longest match)
	assert s.kernel_nh(SITE) == ['169.254.30.1']
	assert s.route_get('10.50.1.10') == '169.254.30.1'

	# the cover goes away: advertised again
	_ce_announce(s, 'ce1', '10.48.0.0/12', on=False)
	_wait_where(s, everywhere, 'site advertised again to the circuit')
	assert SITE in _adv_out(s, CE1) and SITE in _adv_out(s, CE2)
	_ce_announce(s, 'ce1', '0.0.0.0/0', on=False)
