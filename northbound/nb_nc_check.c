/* northbound/nb_nc_check.c - check a client's message before libnetconf2 parses it: well-formed, an <rpc> with a message-id, a known operation, valid input (RFC 6241 4.1, App. A). */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "northbound/nb_local.h"

/*
 * libnetconf2 2.0.24 answers a message it cannot parse with
 * operation-failed whatever went wrong, and executes an <rpc> without a
 * message-id. The guard (nb_nc_guard.c) holds each message until it is
 * complete and asks this file first; a refusal is then answered with the
 * tag RFC 6241 App. A gives. Two passes: expat for the XML itself (well
 * formed, no DTD: RFC 6241 3 forbids them, bounded depth) and the envelope,
 * then libyang's own parse of the operation, the one libnetconf2 runs
 * next, so that everything refused is refused here with its reason.
 */

#define NC_BASE_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define DEPTH_MAX  256

struct scan {
	XML_Parser  p;
	unsigned    depth;
	unsigned    ops; /* children of the root */
	bool	    stopped;
	const char *why;       /* a reason we stopped the parser for */
	char	    root[320]; /* "ns name" of the root element */
	char	    op[320];   /* "ns name" of the operation */
	char	   *msgid;
	bool	    has_msgid, msgid_long;
};

static void
scan_stop(struct scan *s, const char *why)
{
	if (s->stopped)
		return;
	s->stopped = true;
	s->why = why;
	XML_StopParser(s->p, XML_FALSE);
}

/* XML-escape an attribute value (the message-id goes back in the reply). */
static void
attr_escape(char *dst, size_t cap, const char *src)
{
	size_t o = 0;

	for (; *src && o + 7 < cap; src++) {
		const char *r = NULL;

		switch (*src) {
		case '&':
			r = "&amp;";
			break;
		case '<':
			r = "&lt;";
			break;
		case '>':
			r = "&gt;";
			break;
		case '"':
			r = "&quot;";
			break;
		case '\'':
			r = "&apos;";
			break;
		}
		if (r) {
			memcpy(dst + o, r, strlen(r));
			o += strlen(r);
		} else {
			dst[o++] = *src;
		}
	}
	dst[o] = '\0';
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct scan *s = arg;

	if (++s->depth > DEPTH_MAX) {
		scan_stop(s, "elements nested deeper than 256 levels");
		return;
	}
	if (s->depth == 1) {
		snprintf(s->root, sizeof(s->root), "%s", name);
		for (size_t i = 0; attrs[i]; i += 2) {
			/* unqualified attribute: no namespace part in the name */
			if (strcmp(attrs[i], "message-id") != 0)
				continue;
			s->has_msgid = true;
			if (strlen(attrs[i + 1]) > NBNC_MSGID_MAX)
				s->msgid_long = true;
			else
				attr_escape(s->msgid, NBNC_MSGID_MAX * 6 + 1, attrs[i + 1]);
		}
	} else if (s->depth == 2 && s->ops++ == 0) {
		snprintf(s->op, sizeof(s->op), "%s", name);
	}
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct scan *s = arg;

	s->depth--;
}

static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
    int has_internal)
{
	scan_stop(arg,
	    "a document type declaration (DTD) is not allowed in NETCONF (RFC 6241 3)");
}

static void XMLCALL
on_entity(void *arg, const XML_Char *name, int is_param, const XML_Char *value, int len,
    const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
    const XML_Char *notation)
{
	scan_stop(arg, "entity declarations are not allowed in NETCONF (RFC 6241 3)");
}

static int refuse(struct nbnc_err *e, NC_ERR tag, NC_ERR_TYPE type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
refuse(struct nbnc_err *e, NC_ERR tag, NC_ERR_TYPE type, const char *fmt, ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->tag = tag;
	e->type = type;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "ns name" -> name (and ns) */
static const char *
local_name(const char *qn, char *ns, size_t nslen)
{
	const char *sp = strrchr(qn, ' ');

	if (ns)
		snprintf(ns, nslen, "%.*s", sp ? (int)(sp - qn) : 0, qn);
	return sp ? sp + 1 : qn;
}

/* The operation is known: parse it as libnetconf2 will, and map a failure. */
static int
check_op(const char *xml, size_t len, struct nbnc_err *e)
{
	struct ly_ctx		 *ctx = nb_ctx();
	struct ly_in		 *in = NULL;
	struct lyd_node		 *envp = NULL, *op = NULL;
	const struct ly_err_item *li;
	LY_ERR			  r;

	(void)len; /* xml is NUL-terminated (the guard keeps a byte for it) */
	if (ly_in_new_memory(xml, &in) != LY_SUCCESS)
		return refuse(e, NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, "out of memory");
	r = lyd_parse_op(ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &envp, &op);
	ly_in_free(in, 0);
	lyd_free_all(envp);
	lyd_free_all(op);
	if (r == LY_SUCCESS) {
		ly_err_clean(ctx, NULL);
		return 0;
	}
	li = ly_err_last(ctx);
	if (!li || r == LY_EMEM) {
		ly_err_clean(ctx, NULL);
		return refuse(e, r == LY_EMEM ? NC_ERR_RES_DENIED : NC_ERR_OP_FAILED,
		    NC_ERR_TYPE_APP, "the operation could not be parsed");
	}
	if (li->vecode == LYVE_SYNTAX_XML || li->vecode == LYVE_SYNTAX)
		refuse(e, NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, "%s", li->msg);
	else if (strstr(li->msg, "not found") && strncmp(li->msg, "Node \"", 6) == 0) {
		const char *q = li->msg + 6, *q2 = strchr(q, '"');

		refuse(e, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_PROT, "%s", li->msg);
		if (q2 && (size_t)(q2 - q) < sizeof(e->bad_elem))
			snprintf(e->bad_elem, sizeof(e->bad_elem), "%.*s", (int)(q2 - q), q);
	} else if (nbnc_bad_operation(li->msg, xml)) {
		refuse(e, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, "%s", li->msg);
		snprintf(e->bad_attr, sizeof(e->bad_attr), "operation");
	} else if (li->vecode == LYVE_DATA)
		refuse(e, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "%s", li->msg);
	else
		refuse(e, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, "%s", li->msg);
	if (li->path) {
		/* 'Data location "/x/y", line number 3.' -> /x/y */
		const char *p = li->path, *q = strchr(p, '"'),
			   *q2 = q ? strchr(q + 1, '"') : NULL;

		if (q && q2)
			snprintf(e->path, sizeof(e->path), "%.*s", (int)(q2 - q - 1), q + 1);
		else if (p[0] == '/')
			snprintf(e->path, sizeof(e->path), "%s", p);
	}
	ly_err_clean(ctx, NULL);
	return -EINVAL;
}

int
nbnc_msg_check(const char *xml, size_t len, struct nbnc_err *e,
    char msgid[NBNC_MSGID_MAX * 6 + 1], bool *has_msgid)
{
	struct scan		 s = { .msgid = msgid };
	const struct lys_module *mod;
	char			 ns[256];
	const char		*name;
	enum XML_Status		 st;

	msgid[0] = '\0';
	*has_msgid = false;
	if (!(s.p = XML_ParserCreateNS("UTF-8", ' ')))
		return refuse(e, NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, "out of memory");
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, on_start, on_end);
	XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
	XML_SetEntityDeclHandler(s.p, on_entity);
	st = XML_Parse(s.p, xml, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK) {
		if (s.stopped)
			refuse(e, NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, "%s", s.why);
		else
			refuse(e, NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC,
			    "not well-formed XML: %s (line %lu, column %lu)",
			    XML_ErrorString(XML_GetErrorCode(s.p)),
			    (unsigned long)XML_GetCurrentLineNumber(s.p),
			    (unsigned long)XML_GetCurrentColumnNumber(s.p) + 1);
		XML_ParserFree(s.p);
		return -EINVAL;
	}
	XML_ParserFree(s.p);
	*has_msgid = s.has_msgid && !s.msgid_long;
	if (strcmp(s.root, NC_BASE_NS " rpc") != 0)
		return refuse(e, NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC,
		    "expected <rpc> in namespace " NC_BASE_NS);
	if (!s.has_msgid || s.msgid_long) {
		refuse(e, NC_ERR_MISSING_ATTR, NC_ERR_TYPE_RPC,
		    s.msgid_long ? "the message-id is longer than 256 characters" :
				   "an <rpc> needs a message-id attribute (RFC 6241 4.1)");
		if (s.msgid_long)
			e->tag = NC_ERR_BAD_ATTR;
		snprintf(e->bad_attr, sizeof(e->bad_attr), "message-id");
		snprintf(e->bad_elem, sizeof(e->bad_elem), "rpc");
		return -EINVAL;
	}
	if (s.ops != 1)
		return refuse(e, NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC,
		    s.ops ? "an <rpc> carries one operation, this one %u" :
			    "an <rpc> without an operation",
		    s.ops);
	name = local_name(s.op, ns, sizeof(ns));
	mod = ns[0] ? ly_ctx_get_module_implemented_ns(nb_ctx(), ns) : NULL;
	if (!mod) {
		refuse(e, NC_ERR_UNKNOWN_NS, NC_ERR_TYPE_PROT,
		    "no module of this server has "
		    "namespace \"%s\"",
		    ns);
		snprintf(e->bad_elem, sizeof(e->bad_elem), "%.*s", (int)sizeof(e->bad_elem) - 1,
		    name);
		snprintf(e->bad_ns, sizeof(e->bad_ns), "%.*s", (int)sizeof(e->bad_ns) - 1, ns);
		return -EINVAL;
	}
	if (!lys_find_child(NULL, mod, name, 0, LYS_RPC, 0))
		return refuse(e, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT,
		    "%s has no operation <%s>", mod->name, name);
	return check_op(xml, len, e);
}
