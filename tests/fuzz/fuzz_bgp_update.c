/* tests/fuzz/fuzz_bgp_update.c - fuzz the UPDATE decoder: classification, NLRI walks, interning. */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bgp_upd_scratch scratch;

static size_t
walk(struct wire_rd r, uint8_t family)
{
	struct prefix p;
	size_t	      n = 0;

	while (bgp_nlri_next(&r, family, &p)) {
		if (p.len > prefix_family_bits(family))
			abort();
		n++;
	}
	if (!wire_empty(&r)) /* validated fields are walked to the end */
		abort();
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_neg	     neg;
	struct bgp_update    u;
	struct bgp_attrs    *a;
	struct bgp_path_info pi;
	char		     path[512];
	int		     rc;

	if (size < 1)
		return 0;
	/* the first octet picks the session flavour */
	memset(&neg, 0, sizeof(neg));
	neg.as4 = data[0] & 1;
	neg.ebgp = data[0] & 2;
	neg.ipv4 = true;
	neg.ipv6 = !(data[0] & 4);
	neg.enforce_first_as = data[0] & 8;
	neg.local_as = 65000;
	neg.peer_as = neg.ebgp ? 65001 : 65000;
	rc = bgp_update_decode(wire_rd_init(data + 1, size - 1), &neg, &scratch, &u);
	if ((rc != 0) != (u.action == BGP_UPD_SESSION_RESET))
		abort();
	if (u.action == BGP_UPD_SESSION_RESET) {
		if (u.notify.code != BGP_ERR_UPDATE)
			abort();
		return 0;
	}
	walk(u.withdrawn, AF_INET);
	walk(u.nlri, AF_INET);
	if (u.mp_reach_family)
		walk(u.mp_reach_nlri, u.mp_reach_family);
	if (u.mp_unreach_family)
		walk(u.mp_unreach_nlri, u.mp_unreach_family);
	if (u.action == BGP_UPD_TREAT_AS_WITHDRAW || u.attrs.flags == 0)
		return 0;
	a = bgp_attrs_intern(&u.attrs);
	if (a == NULL || !bgp_attrs_equal(a, &u.attrs))
		abort();
	bgp_path_info_fill(&pi, a, u.mp_reach_family ? u.mp_reach_family : AF_INET, &neg, 1,
	    NULL);
	bgp_aspath_fmt(a, path, sizeof(path));
	(void)bgp_attrs_no_export(a);
	bgp_attrs_put(a);
	if (bgp_attrs_intern_count() != 0)
		abort();
	return 0;
}
