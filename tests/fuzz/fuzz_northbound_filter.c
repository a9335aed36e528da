/* tests/fuzz/fuzz_northbound_filter.c - fuzz subtree and XPath filters as a NETCONF client sends them: parsed, secrets stripped, applied (nb_filter.c). */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_local.h"
#include "northbound/nb_netconf.h"
#include "northbound/nb_netconf_local.h"
#include "northbound/northbound.h"

#define NS     "urn:hybridgw:params:xml:ns:yang:hybridgw"
#define SECRET "Fuzz-Secret-9"

/*
 * Input: one byte of flags, then the filter. Flag bit 0: XPath (the rest is
 * the select expression) or subtree (the rest is the <filter> content);
 * bit 1: the user is an admin. The data is a configuration holding a
 * secret of every kind plus a little state, what a <get> filters.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lyd_node *data_tree;

static const char *data_xml =
    "<gateway xmlns=\"" NS "\"><router-id>192.0.2.1</router-id><as>65010</as>"
    "<circuit><name>er1</name><link><name>a</name><local-address>172.16.1.1</local-address>"
    "<bgp><peer-address>172.16.1.2</peer-address><peer-as>12076</peer-as>"
    "<md5-key>" SECRET "</md5-key></bgp>"
    "<bfd><auth-key>" SECRET "</auth-key></bfd></link></circuit>"
    "<lan><local-prefix>10.1.0.0/16</local-prefix><local-prefix>10.2.0.0/16</local-prefix></lan>"
    "</gateway>";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nb_err	 err = { 0 };
	struct lyd_node *st = NULL;

	if (nb_init(HGW_YANG_DIR, &err) != 0 || nb_netconf_init(&err) != 0) {
		fprintf(stderr, "YANG context: %s %s\n", err.path, err.msg);
		abort();
	}
	if (lyd_parse_data_mem(nb_ctx(), data_xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT,
		0, &data_tree) != LY_SUCCESS ||
	    !data_tree) {
		fprintf(stderr, "data: %s\n", ly_errmsg(nb_ctx()));
		abort();
	}
	if (nb_state_get(NULL, &st, &err) != 0 || !st)
		abort();
	lyd_insert_sibling(data_tree, st, &data_tree);
	/* filters libyang needs minutes for stop at the limit (1 s here, where
	 * each run is one input and a timeout its own failure) */
	nbnc_xpath_set_limit(1000);
	return 0;
}

/* XML text of s in an attribute or element: every byte escaped that must be. */
static char *
xml_escape(const uint8_t *s, size_t n, bool attr)
{
	char *o = malloc(n * 6 + 1), *w = o;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<':
			w += sprintf(w, "&lt;");
			break;
		case '&':
			w += sprintf(w, "&amp;");
			break;
		case '"':
			w += sprintf(w, attr ? "&quot;" : "\"");
			break;
		case '\0':
			*w++ = ' ';
			break;
		default:
			*w++ = (char)s[i];
			break;
		}
	}
	*w = '\0';
	return o;
}

/* Does any secret's value appear in the printed result? */
static bool
leaks(const struct lyd_node *out)
{
	char *s = NULL;
	bool  yes;

	if (!out)
		return false;
	lyd_print_mem(&s, out, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	yes = s && strstr(s, SECRET);
	free(s);
	return yes;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyd_node	  *rpc = NULL, *f = NULL, *copy = NULL, *out = NULL;
	struct nbnc_filter flt;
	struct nbnc_errs   errs = { 0 };
	struct ly_in	  *in = NULL;
	char		  *body, *xml = NULL;
	bool		   xpath, admin;
	int		   rc;

	if (size < 1 || size > 4096)
		return 0;
	xpath = data[0] & 1;
	admin = data[0] & 2;
	if (!(body = xml_escape(data + 1, size - 1, xpath)))
		return 0;
	if (asprintf(&xml,
		xpath ? "<get xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" xmlns:hgw=\"" NS
			"\">"
			"<filter type=\"xpath\" select=\"%s\"/></get>" :
			"<get xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
			"<filter type=\"subtree\">%s</filter></get>",
		body) < 0)
		xml = NULL;
	free(body);
	/* libnetconf2 parses the RPC the same way before our code sees it */
	if (!xml || ly_in_new_memory(xml, &in) != LY_SUCCESS ||
	    lyd_parse_op(nb_ctx(), NULL, in, LYD_XML, LYD_TYPE_RPC_YANG, &rpc, NULL) !=
		LY_SUCCESS ||
	    lyd_find_path(rpc, "filter", 0, &f) != LY_SUCCESS)
		goto out;
	if (nbnc_filter_parse(f, &flt, &errs) != 0) {
		if (!errs.n)
			abort(); /* a refusal always says why */
		nbnc_filter_free(&flt);
		goto out;
	}
	free(nbnc_filter_state_hint(&flt));
	(void)nbnc_filter_wants(&flt, "hybridgw", "gateway");
	if (lyd_dup_siblings(data_tree, NULL, LYD_DUP_RECURSIVE, &copy) != LY_SUCCESS)
		abort();
	/* RFC 8341 3.4.5: what the user may not read goes first */
	nbnc_secrets_strip(copy, &flt, admin);
	rc = nbnc_filter_apply(&flt, copy, &out, &errs);
	if (rc == -ECHILD)
		abort(); /* libyang crashed evaluating the XPath (in the child) */
	if (rc == 0 && !admin && leaks(out))
		abort(); /* a non-admin never sees a secret, whatever the filter */
	lyd_free_all(out);
	nbnc_filter_free(&flt);
out:
	nbnc_errs_free(&errs);
	lyd_free_all(rpc);
	ly_in_free(in, 0);
	free(xml);
	return 0;
}
