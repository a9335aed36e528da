/* northbound/nb_filter.c - subtree (RFC 6241 6) and XPath filters, and hiding secret leaves. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_local.h"

/*
 * Filtering marks the data nodes to keep in their priv pointer (the data
 * is the caller's private copy), then prunes everything unmarked:
 * MARK_PATH keeps a node (with its list keys) for what lies below,
 * MARK_FULL keeps its whole subtree.
 */
#define MARK_PATH ((void *)(uintptr_t)1)
#define MARK_FULL ((void *)(uintptr_t)2)

static void
mark(struct lyd_node *d, void *m)
{
	if ((uintptr_t)d->priv < (uintptr_t)m)
		d->priv = m;
}

/* ------------------------------------------------------- filter nodes */

static const char *
fnode_name(const struct lyd_node *f)
{
	return f->schema ? f->schema->name : ((const struct lyd_node_opaq *)f)->name.name;
}

static const char *
fnode_ns(const struct lyd_node *f)
{
	const char *ns;

	if (f->schema)
		return f->schema->module->ns;
	ns = ((const struct lyd_node_opaq *)f)->name.module_ns;
	if (ns && strncmp(ns, "nbnc-unbound:", 13) == 0)
		ns += 13;
	return ns && ns[0] ? ns : NULL;
}

static const char *
fnode_value(const struct lyd_node *f)
{
	if (f->schema)
		return (f->schema->nodetype & LYD_NODE_TERM) ? lyd_get_value(f) : NULL;
	return ((const struct lyd_node_opaq *)f)->value;
}

static bool
fnode_blank(const char *v)
{
	if (!v)
		return true;
	while (*v && isspace((unsigned char)*v))
		v++;
	return *v == '\0';
}

/* RFC 6241 6.2.5: a leaf with a value is a content match node. */
static bool
fnode_is_content(const struct lyd_node *f)
{
	return !lyd_child(f) && !fnode_blank(fnode_value(f));
}

static bool
fnode_matches(const struct lyd_node *f, const struct lyd_node *d)
{
	const char *ns = fnode_ns(f);

	if (!d->schema || strcmp(fnode_name(f), d->schema->name) != 0)
		return false;
	return !ns || strcmp(ns, d->schema->module->ns) == 0; /* 6.2.1: no ns = any */
}

static bool
fnode_value_matches(const struct lyd_node *f, const struct lyd_node *d)
{
	const char *fv = fnode_value(f), *dv;

	if (!(d->schema->nodetype & LYD_NODE_TERM) || !(dv = lyd_get_value(d)))
		return false;
	while (isspace((unsigned char)*fv))
		fv++;
	/* compare canonical forms when the filter value parsed */
	if (f->schema && f->schema == d->schema)
		return lyd_compare_single(f, d, 0) == LY_SUCCESS;
	return strncmp(fv, dv, strlen(dv)) == 0 && fnode_blank(fv + strlen(dv));
}

/* ------------------------------------------------------ subtree marks */

static bool
subtree_mark(struct nbnc_filter *flt, struct lyd_node *d, const struct lyd_node *f)
{
	const struct lyd_node *c;
	struct lyd_node	      *dc;
	size_t		       ncontent = 0;
	bool		       other = false, any = false;

	if (!lyd_child(f)) {
		/* selection node (or a content match at this level, checked by
		 * the caller): the whole subtree */
		mark(d, MARK_FULL);
		return true;
	}
	/* every content match node must match a child */
	LY_LIST_FOR(lyd_child(f), c) {
		bool ok = false;

		if (!fnode_is_content(c)) {
			other = true;
			continue;
		}
		ncontent++;
		LY_LIST_FOR(lyd_child(d), dc)
			if (fnode_matches(c, dc) && fnode_value_matches(c, dc)) {
				ok = true;
				break;
			}
		if (!ok)
			return false;
	}
	if (!other) {
		mark(d, MARK_FULL);
		return true;
	}
	LY_LIST_FOR(lyd_child(f), c) {
		if (fnode_is_content(c))
			continue;
		LY_LIST_FOR(lyd_child(d), dc)
			if (fnode_matches(c, dc) && subtree_mark(flt, dc, c))
				any = true;
	}
	if (!any && !ncontent)
		return false;
	LY_LIST_FOR(lyd_child(f), c) {
		if (!fnode_is_content(c))
			continue;
		LY_LIST_FOR(lyd_child(d), dc)
			if (fnode_matches(c, dc) && fnode_value_matches(c, dc))
				mark(dc, MARK_FULL);
	}
	mark(d, MARK_PATH);
	return true;
}

/* Drop what is not marked; a PATH node keeps its keys. */
static void
prune(struct lyd_node **first, struct lyd_node *parent)
{
	struct lyd_node *d, *next;

	for (d = parent ? lyd_child(parent) : *first; d; d = next) {
		next = d->next;
		if (d->priv == MARK_FULL)
			continue;
		if (d->priv == MARK_PATH) {
			if (d->schema->nodetype & LYD_NODE_INNER)
				prune(NULL, d);
			continue;
		}
		if (parent && lysc_is_key(d->schema))
			continue;
		if (!parent && *first == d)
			*first = next;
		lyd_free_tree(d);
	}
}

static void
unmark_all(struct lyd_node *first)
{
	struct lyd_node *top, *d;

	LY_LIST_FOR(first, top) {
		LYD_TREE_DFS_BEGIN(top, d) {
			d->priv = NULL;
			LYD_TREE_DFS_END(top, d);
		}
	}
}

/* ---------------------------------------------------------- xpath */

/* Is the word at w (in expr) where an operator goes, i.e. after an operand
 * (XPath 1.0 3.7: after a name, a number, a literal, ')', ']', '*' or '.')? */
static bool
xpath_after_operand(const char *expr, const char *w)
{
	const char *q = w;

	while (q > expr && isspace((unsigned char)q[-1]))
		q--;
	if (q == expr || q == w)
		return false; /* first, or glued to what precedes it */
	return isalnum((unsigned char)q[-1]) || strchr(")]*.'\"_-", q[-1]) != NULL;
}

/* "/hgw:gateway" -> "/hybridgw:gateway": accept each module's own prefix
 * as well as its name (RFC 6241 8.9 lets the request declare prefixes;
 * clients use the modules' prefixes). */
static int
xpath_rewrite(const char *in, char **out, struct nbnc_errs *errs)
{
	size_t cap = strlen(in) * 4 + 64, n = 0;
	char  *o = malloc(cap), quote = 0;

	if (!o)
		return -ENOMEM;
	for (const char *p = in; *p;) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			o[n++] = *p++;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			o[n++] = *p++;
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char		*s = p;
			const struct lys_module *m = NULL;
			uint32_t		 idx = 0;
			size_t			 len;

			while (isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
			    *p == '.')
				p++;
			len = (size_t)(p - s);
			if (len == 3 && strncmp(s, "mod", 3) == 0 &&
			    xpath_after_operand(in, s)) {
				/* libyang 2.1 computes mod on integers: "1 mod 0" or a
				 * NaN operand raises SIGFPE in the server */
				nbnc_errs_add(errs, NC_ERR_INVALID_VALUE, "", NULL,
				    "the XPath operator mod is not supported");
				free(o);
				return -EINVAL;
			}
			if (*p == ':' && p[1] != ':' &&
			    (s == in || !isalnum((unsigned char)s[-1]))) {
				char pfx[128];

				snprintf(pfx, sizeof(pfx), "%.*s", (int)(len < 127 ? len : 127),
				    s);
				if (!ly_ctx_get_module_implemented(nb_ctx(), pfx)) {
					while ((m = ly_ctx_get_module_iter(nb_ctx(), &idx)))
						if (m->implemented && m->prefix &&
						    strcmp(m->prefix, pfx) == 0)
							break;
					if (!m) {
						nbnc_errs_add(errs, NC_ERR_INVALID_VALUE, "",
						    NULL,
						    "unknown prefix \"%s\" in the XPath filter",
						    pfx);
						free(o);
						return -EINVAL;
					}
					s = m->name;
					len = strlen(m->name);
				}
			}
			if (n + len + 2 >= cap) {
				free(o);
				return -ENOMEM;
			}
			memcpy(o + n, s, len);
			n += len;
			continue;
		}
		o[n++] = *p++;
	}
	o[n] = '\0';
	*out = o;
	return 0;
}

#define UNBOUND "nbnc-unbound:"

/* Wrap xml in an undefined element and prefix every namespace URI so that
 * libyang binds nothing to a schema. */
static char *
filter_unbind(const char *xml)
{
	size_t n = 0, cap = strlen(xml) * 2 + 128;
	char  *o = malloc(cap);

	if (!o)
		return NULL;
	n += (size_t)sprintf(o, "<nbnc-filter xmlns=\"" UNBOUND "w\">");
	for (const char *p = xml; *p;) {
		if (strncmp(p, "xmlns", 5) == 0) {
			const char *q = p + 5, *eq;

			if (*q == ':')
				while (*q && *q != '=' && !isspace((unsigned char)*q))
					q++;
			eq = q;
			while (isspace((unsigned char)*eq))
				eq++;
			if (*eq == '=') {
				eq++;
				while (isspace((unsigned char)*eq))
					eq++;
				if ((*eq == '"' || *eq == '\'') &&
				    n + (size_t)(eq - p) + 32 < cap) {
					memcpy(o + n, p, (size_t)(eq - p) + 1);
					n += (size_t)(eq - p) + 1;
					memcpy(o + n, UNBOUND, strlen(UNBOUND));
					n += strlen(UNBOUND);
					p = eq + 1;
					continue;
				}
			}
		}
		if (n + 32 >= cap) {
			char *b = realloc(o, cap *= 2);

			if (!b) {
				free(o);
				return NULL;
			}
			o = b;
		}
		o[n++] = *p++;
	}
	if (n + 32 >= cap) {
		char *b = realloc(o, cap + 32);

		if (!b) {
			free(o);
			return NULL;
		}
		o = b;
	}
	strcpy(o + n, "</nbnc-filter>");
	return o;
}

/* ------------------------------------------------- secrets the filter names */

/* The schema node of a filter node (opaque ones too: an empty <md5-key/>
 * is not a valid value, so it arrives opaque) below parent's schema. */
static const struct lysc_node *
fnode_schema(const struct lyd_node *f, const struct lysc_node *parent)
{
	const struct lys_module *mod = NULL;
	const char		*ns = fnode_ns(f);

	if (f->schema)
		return f->schema;
	if (ns)
		mod = ly_ctx_get_module_implemented_ns(nb_ctx(), ns);
	if (!mod && parent)
		mod = parent->module;
	if (!mod)
		return NULL;
	return lys_find_child(parent, mod, fnode_name(f), 0, 0, 0);
}

static void
allowed_subtree(struct ly_set *allowed, const struct lyd_node *first,
    const struct lysc_node *parent)
{
	const struct lyd_node *f;

	LY_LIST_FOR(first, f) {
		const struct lysc_node *s = fnode_schema(f, parent);

		if (!s)
			continue;
		if (nb_schema_is_secret(s))
			ly_set_add(allowed, (void *)s, 0, NULL);
		allowed_subtree(allowed, lyd_child(f), s);
	}
}

/* Does the expression name the node by its name (a wildcard reaches every
 * node but names none)? */
static bool
xpath_names(const char *xpath, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(xpath, name); p; p = strstr(p + 1, name)) {
		char before = p == xpath ? '/' : p[-1], after = p[n];

		if (strchr("/:[( ", before) && !isalnum((unsigned char)after) &&
		    (after == '\0' || !strchr("-_.", after)))
			return true;
	}
	return false;
}

/* Every secret leaf of the loaded modules whose name the expression uses. */
static void
allowed_xpath(struct ly_set *allowed, const char *xpath)
{
	const struct lys_module *mod;
	const struct lysc_node	*top, *s;
	uint32_t		 idx = 0;

	while ((mod = ly_ctx_get_module_iter(nb_ctx(), &idx)) != NULL) {
		if (!mod->implemented || !mod->compiled)
			continue;
		top = NULL;
		while ((top = lys_getnext(top, NULL, mod->compiled, 0)) != NULL) {
			LYSC_TREE_DFS_BEGIN(top, s) {
				if (nb_schema_is_secret(s) && xpath_names(xpath, s->name))
					ly_set_add(allowed, (void *)s, 0, NULL);
				LYSC_TREE_DFS_END(top, s);
			}
		}
	}
}

/*
 * The secret leaves a filter names (the only way an admin reads one):
 * decided from the filter alone, before any data is seen, so that secrets
 * not named are removed before the filter is applied (RFC 8341 3.4.5) and
 * no content match or predicate can test them. An XPath is read as text,
 * never handed to libyang's schema evaluation: libyang 2.1.30 dies in
 * lys_find_xpath() on valid expressions such as a=c['' or d]
 * (tests/fuzz/regress/fuzz_northbound_filter/).
 */
static void
allowed_compute(struct nbnc_filter *flt)
{
	if (flt->subtree)
		allowed_subtree(flt->allowed, flt->subtree, NULL);
	if (flt->xpath)
		allowed_xpath(flt->allowed, flt->xpath);
}

/* ------------------------------------------------------------ API */

int
nbnc_filter_parse(const struct lyd_node *filter, struct nbnc_filter *flt,
    struct nbnc_errs *errs)
{
	struct lyd_meta *m;
	const char	*type = "subtree", *select = NULL;
	char		*xml = NULL;
	int		 rc = 0;

	memset(flt, 0, sizeof(*flt));
	if (ly_set_new(&flt->allowed) != LY_SUCCESS)
		return -ENOMEM;
	if (!filter)
		return 0;
	for (m = filter->meta; m; m = m->next) {
		if (strcmp(m->name, "type") == 0)
			type = lyd_get_meta_value(m);
		else if (strcmp(m->name, "select") == 0)
			select = lyd_get_meta_value(m);
	}
	if (strcmp(type, "xpath") == 0) {
		if (!select) {
			nbnc_errs_add(errs, NC_ERR_MISSING_ATTR, "", "filter",
			    "an XPath filter needs a select attribute");
			return -EINVAL;
		}
		if ((rc = xpath_rewrite(select, &flt->xpath, errs)) == 0)
			allowed_compute(flt);
		return rc;
	}
	if (strcmp(type, "subtree") != 0) {
		nbnc_errs_add(errs, NC_ERR_BAD_ATTR, "", "filter", "unknown filter type \"%s\"",
		    type);
		return -EINVAL;
	}
	if (nbnc_any_xml(filter, &xml) != 0) {
		nbnc_errs_add(errs, NC_ERR_OP_FAILED, "", NULL, "cannot read the filter");
		return -ENOMEM;
	}
	if (!xml || fnode_blank(xml)) {
		flt->empty = true;
		goto out;
	}
	if (lyd_parse_data_mem(nb_ctx(), xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0,
		&flt->subtree) != LY_SUCCESS) {
		/* Not data (e.g. notifications in a subscription filter): read it
		 * all as opaque nodes, namespaces made unknown (fnode_ns undoes it). */
		char		*w = NULL;
		struct lyd_node *top = NULL;

		lyd_free_all(flt->subtree);
		flt->subtree = NULL;
		w = filter_unbind(xml);
		if (w &&
		    lyd_parse_data_mem(nb_ctx(), w, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0,
			&top) == LY_SUCCESS &&
		    top && !top->schema) {
			while (lyd_child(top)) {
				struct lyd_node *c = lyd_child(top);

				lyd_unlink_tree(c);
				if (!flt->subtree)
					flt->subtree = c;
				else
					lyd_insert_sibling(flt->subtree, c, &flt->subtree);
			}
		} else {
			nbnc_errs_from_ly(errs, "filter");
			errs->v[errs->n - 1].tag = NC_ERR_MALFORMED_MSG;
			rc = -EINVAL;
		}
		lyd_free_all(top);
		free(w);
	}
out:
	if (rc == 0)
		allowed_compute(flt);
	free(xml);
	return rc;
}

void
nbnc_filter_free(struct nbnc_filter *flt)
{
	lyd_free_all(flt->subtree);
	free(flt->xpath);
	ly_set_free(flt->allowed, NULL);
	memset(flt, 0, sizeof(*flt));
}

/* Append the paths a subtree filter node selects under path p. */
static void
hint_add(const struct lyd_node *f, char *p, size_t plen, char **out, size_t *len, size_t *cap)
{
	const struct lyd_node *c;
	size_t		       n = strlen(p);
	bool		       deeper = false;

	/* list keys and other content matches become predicates */
	LY_LIST_FOR(lyd_child(f), c) {
		const char *v = fnode_value(c);

		if (!fnode_is_content(c) || strchr(v, '\''))
			continue;
		while (isspace((unsigned char)*v))
			v++;
		snprintf(p + strlen(p), plen - strlen(p), "[%s='%.*s']", fnode_name(c),
		    (int)strcspn(v, " \t\r\n"), v);
	}
	LY_LIST_FOR(lyd_child(f), c) {
		size_t m = strlen(p);

		if (fnode_is_content(c))
			continue;
		deeper = true;
		snprintf(p + m, plen - m, "/%s", fnode_name(c));
		hint_add(c, p, plen, out, len, cap);
		p[m] = '\0';
	}
	if (!deeper) {
		size_t need = strlen(p) + 4;

		if (*len + need + 1 > *cap) {
			size_t ncap = (*cap + need) * 2;
			char  *b = realloc(*out, ncap);

			if (!b)
				goto out;
			*out = b;
			*cap = ncap;
		}
		*len += (size_t)sprintf(*out + *len, "%s%s", *len ? " | " : "", p);
	}
out:
	p[n] = '\0';
}

char *
nbnc_filter_state_hint(const struct nbnc_filter *flt)
{
	const struct lys_module *mod = ly_ctx_get_module_implemented(nb_ctx(), "hybridgw");
	const struct lyd_node	*f;
	char			*out = NULL, p[1024];
	size_t			 len = 0, cap = 0;

	if (!flt || flt->empty)
		return NULL;
	if (flt->xpath) {
		/* a plain absolute path is a good hint; '//' and '*' might
		 * reach anything, Adj-RIB routes included when they say so */
		if (!strstr(flt->xpath, "//") && !strchr(flt->xpath, '*'))
			return strdup(flt->xpath);
		if (strstr(flt->xpath, "route"))
			return strdup(
			    "/hybridgw:gateway-state/bgp/neighbor/route | "
			    "/hybridgw:gateway-state/rib | /hybridgw:gateway-state/bfd | "
			    "/hybridgw:gateway-state/failover");
		return NULL;
	}
	LY_LIST_FOR(flt->subtree, f) {
		const char *ns = fnode_ns(f);

		if (strcmp(fnode_name(f), "gateway-state") != 0 ||
		    (ns && mod && strcmp(ns, mod->ns) != 0))
			continue;
		snprintf(p, sizeof(p), "/hybridgw:gateway-state");
		hint_add(f, p, sizeof(p), &out, &len, &cap);
	}
	return out;
}

bool
nbnc_filter_wants(const struct nbnc_filter *flt, const char *module, const char *top)
{
	const struct lys_module *mod;
	const struct lyd_node	*f;

	if (!flt || (!flt->subtree && !flt->xpath && !flt->empty))
		return true;
	if (flt->empty)
		return false;
	if (flt->xpath)
		return xpath_names(flt->xpath, top) || strstr(flt->xpath, "//") ||
		    strstr(flt->xpath, "*");
	mod = ly_ctx_get_module_implemented(nb_ctx(), module);
	LY_LIST_FOR(flt->subtree, f) {
		const char *ns = fnode_ns(f);

		if (strcmp(fnode_name(f), top) == 0 &&
		    (!ns || (mod && strcmp(ns, mod->ns) == 0)))
			return true;
	}
	return false;
}

int
nbnc_filter_apply(struct nbnc_filter *flt, struct lyd_node *data, struct lyd_node **out,
    struct nbnc_errs *errs)
{
	struct lyd_node *d;
	struct ly_set	*set = NULL;

	*out = NULL;
	if (!flt || (!flt->subtree && !flt->xpath && !flt->empty)) {
		*out = data;
		return 0;
	}
	if (flt->empty || !data) {
		lyd_free_all(data);
		return 0;
	}
	unmark_all(data);
	if (flt->xpath) {
		int rc = nbnc_xpath_select(data, flt->xpath, flt->request, &set, errs);

		if (rc != 0) {
			lyd_free_all(data);
			return rc;
		}
		for (uint32_t i = 0; i < set->count; i++) {
			struct lyd_node *n = set->dnodes[i];

			if (!n->schema)
				continue;
			mark(n, MARK_FULL);
			for (struct lyd_node *p = lyd_parent(n); p; p = lyd_parent(p))
				mark(p, MARK_PATH);
		}
		ly_set_free(set, NULL);
	} else {
		const struct lyd_node *f;

		LY_LIST_FOR(flt->subtree, f) {
			LY_LIST_FOR(data, d) {
				if (!fnode_matches(f, d))
					continue;
				if (fnode_is_content(f) && !fnode_value_matches(f, d))
					continue;
				subtree_mark(flt, d, f);
			}
		}
	}
	prune(&data, NULL);
	*out = data;
	return 0;
}

void
nbnc_secrets_strip(struct lyd_node *tree, const struct nbnc_filter *flt, bool admin)
{
	nb_tree_strip_secrets_except(tree, admin && flt ? flt->allowed : NULL);
}
