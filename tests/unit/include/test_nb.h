/* tests/unit/include/test_nb.h - a YANG context for config tests: setup/teardown, parse, a small valid gateway. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_TEST_NB_H
#define HGW_TEST_NB_H

#include <stdio.h>
#include <string.h>

#include "northbound/northbound.h"

#define NS "urn:hybridgw:params:xml:ns:yang:hybridgw"

/* One circuit link with an MD5 key and BFD, one local prefix. */
static const char *const base_ok __attribute__((unused)) =
    "<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
    "<circuit><name>er1</name><link><name>a</name><local-address>172.16.1.1</local-address>"
    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as>"
    "<md5-key>s3cret-key</md5-key></bgp><bfd/></link></circuit>"
    "<lan><local-prefix>10.1.0.0/16</local-prefix></lan></gateway>";

/* cmocka group setup/teardown: the models of HGW_YANG_DIR. */
static inline __attribute__((unused)) int
setup(void **state)
{
	struct nb_err e = { 0 };

	if (nb_init(HGW_YANG_DIR, &e) != 0) {
		fprintf(stderr, "nb_init: %s: %s\n", e.path, e.msg);
		return -1;
	}
	return 0;
}

static inline __attribute__((unused)) int
teardown(void **state)
{
	nb_fini();
	return 0;
}

static inline __attribute__((unused)) int
parse(const char *xml, struct lyd_node **t, struct nb_err *e)
{
	memset(e, 0, sizeof(*e));
	return nb_config_parse_mem(xml, LYD_XML, t, e);
}

#endif
