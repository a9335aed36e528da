#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""docs/examples/netconf_lab.py - NETCONF against the default lab's gateway with ncclient:
read the route table (operational state), then change the failback delay with a confirmed
commit (RFC 6241 8.4) and confirm it.

In the namespace lab (`sudo scripts/lab up`):
    sudo ip netns exec clab-coexistence-gw /usr/bin/python3 docs/examples/netconf_lab.py
With containerlab, from the host: docs/examples/netconf_lab.py --host clab-coexistence-gw

Options: --failback-delay S (default: the current value + 5), --no-confirm (let the
confirmed commit time out: the gateway rolls the change back by itself)."""

import argparse
import sys

from lxml import etree
from ncclient import manager

HGW = 'urn:hybridgw:params:xml:ns:yang:hybridgw'
NS = {'h': HGW}


def routes(m):
	"""[(prefix, active class, next hops, backup class)] from <get> of the RIB."""
	flt = '<gateway-state xmlns="%s"><rib/></gateway-state>' % HGW
	data = m.get(filter=('subtree', flt)).data_ele
	res = []
	for r in data.iterfind('.//h:rib/h:route', NS):
		res.append((r.findtext('h:prefix', '', NS), r.findtext('h:active-class', '-', NS),
			    [n.text for n in r.iterfind('h:active-next-hop', NS)],
			    r.findtext('h:backup-class', '-', NS)))
	return res


def failback_delay(m, source='running'):
	flt = '<gateway xmlns="%s"><policy><failback-delay/></policy></gateway>' % HGW
	data = m.get_config(source=source, filter=('subtree', flt)).data_ele
	v = data.findtext('.//h:policy/h:failback-delay', None, NS)
	return int(v) if v is not None else 60	# the YANG default


def main():
	ap = argparse.ArgumentParser(description=__doc__,
				     formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument('--host', default='127.0.0.1')
	ap.add_argument('--port', type=int, default=830)
	ap.add_argument('--user', default='lab')
	ap.add_argument('--password', default='hybridgw-lab')
	ap.add_argument('--failback-delay', type=int)
	ap.add_argument('--confirm-timeout', type=int, default=30)
	ap.add_argument('--no-confirm', action='store_true')
	a = ap.parse_args()

	with manager.connect(host=a.host, port=a.port, username=a.user, password=a.password,
			     hostkey_verify=False, look_for_keys=False, allow_agent=False,
			     timeout=30) as m:
		print('connected: session %s, %d capabilities' % (m.session_id,
								  len(list(m.server_capabilities))))
		print('%-18s %-8s %-32s %s' % ('PREFIX', 'ACTIVE', 'NEXT HOPS', 'BACKUP'))
		for pfx, cls, nhs, bak in routes(m):
			print('%-18s %-8s %-32s %s' % (pfx, cls, ','.join(nhs) or '-', bak))

		old = failback_delay(m)
		new = a.failback_delay if a.failback_delay is not None else old + 5
		print('failback-delay: %d s -> %d s (confirmed commit, %d s to confirm)' % (
			old, new, a.confirm_timeout))
		cfg = ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
		       '<gateway xmlns="%s"><policy><failback-delay>%d</failback-delay></policy>'
		       '</gateway></config>' % (HGW, new))
		with m.locked('candidate'):
			m.discard_changes()
			m.edit_config(target='candidate', config=cfg)
			m.validate(source='candidate')
			m.commit(confirmed=True, timeout=str(a.confirm_timeout))
			print('running now: %d s (until confirmed)' % failback_delay(m))
			if a.no_confirm:
				print('not confirming: the gateway rolls back after %d s' % a.confirm_timeout)
				return 0
			m.commit()
		got = failback_delay(m)
		print('confirmed: running failback-delay %d s' % got)
		return 0 if got == new else 1


if __name__ == '__main__':
	sys.exit(main())
