/* northbound/nb_edit.c - <edit-config> operations (RFC 6241 7.2) on a working copy, and rpc-error building. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_local.h"

#define NC_BASE_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

/* ------------------------------------------------------------ errors */

void
nbnc_errs_add(struct nbnc_errs *errs, NC_ERR tag, const char *path, const char *bad_elem,
    const char *fmt, ...)
{
	struct nbnc_err *e;
	va_list		 ap;

	if (errs->n == errs->cap) {
		size_t		 cap = errs->cap ? errs->cap * 2 : 4;
		struct nbnc_err *v = realloc(errs->v, cap * sizeof(*v));

		if (!v)
			return;
		errs->v = v;
		errs->cap = cap;
	}
	e = &errs->v[errs->n++];
	memset(e, 0, sizeof(*e));
	e->tag = tag;
	snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
	snprintf(e->bad_elem, sizeof(e->bad_elem), "%s", bad_elem ? bad_elem : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Choose the error-tag for a validation failure (RFC 7950 15, RFC 6241 A). */
static NC_ERR
nbnc_tag_guess(const char *app_tag, const char *msg)
{
	if (app_tag &&
	    (strcmp(app_tag, "instance-required") == 0 ||
		strcmp(app_tag, "missing-choice") == 0))
		return NC_ERR_DATA_MISSING;
	if (app_tag && app_tag[0])
		return NC_ERR_OP_FAILED;
	if (msg && strncmp(msg, "Mandatory node", 14) == 0)
		return NC_ERR_MISSING_ELEM;
	return NC_ERR_INVALID_VALUE;
}

void
nbnc_errs_add_nb(struct nbnc_errs *errs, NC_ERR tag, const struct nb_err *nb)
{
	if (tag == NC_ERR_UNKNOWN)
		tag = nbnc_tag_guess(nb->app_tag, nb->msg);
	nbnc_errs_add(errs, tag, nb->path, NULL, "%s", nb->msg[0] ? nb->msg : "invalid");
	if (errs->n)
		snprintf(errs->v[errs->n - 1].app_tag, sizeof(errs->v[0].app_tag), "%s",
		    nb->app_tag);
	if (tag == NC_ERR_MISSING_ELEM && errs->n) {
		/* Mandatory node "x" instance does not exist. */
		const char *q = strchr(nb->msg, '"'), *q2 = q ? strchr(q + 1, '"') : NULL;

		if (q && q2 && (size_t)(q2 - q - 1) < sizeof(errs->v[0].bad_elem))
			snprintf(errs->v[errs->n - 1].bad_elem, sizeof(errs->v[0].bad_elem),
			    "%.*s", (int)(q2 - q - 1), q + 1);
	}
}

/* libyang names a missing mandatory node by its schema path; point at
 * the first instance that lacks it instead. */
void
nbnc_err_locate(char *path, size_t len, const char *msg, const struct lyd_node *tree)
{
	char	       parent[256], name[128], *slash, *p;
	struct ly_set *set = NULL;

	if (!tree || !msg || strncmp(msg, "Mandatory node \"", 16) != 0 || !path[0] ||
	    strchr(path, '[') || !(slash = strrchr(path, '/')) || slash == path)
		return;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	snprintf(name, sizeof(name), "%s", slash + 1);
	if (lyd_find_xpath(tree, parent, &set) != LY_SUCCESS)
		return;
	for (uint32_t i = 0; i < set->count; i++) {
		struct lyd_node *c = NULL;

		if (lyd_find_path(set->dnodes[i], name, 0, &c) == LY_SUCCESS && c)
			continue;
		if ((p = lyd_path(set->dnodes[i], LYD_PATH_STD, NULL, 0))) {
			snprintf(path, len, "%s/%s", p, name);
			free(p);
		}
		break;
	}
	ly_set_free(set, NULL);
}

void
nbnc_errs_from_ly(struct nbnc_errs *errs, const char *what)
{
	struct nb_err nb = { 0 };

	nb_err_from_ly(&nb, what);
	nbnc_errs_add_nb(errs, NC_ERR_UNKNOWN, &nb);
}

void
nbnc_errs_free(struct nbnc_errs *errs)
{
	free(errs->v);
	memset(errs, 0, sizeof(*errs));
}

/* ------------------------------------------------------------- edit */

enum nbnc_op { OP_NONE, OP_MERGE, OP_REPLACE, OP_CREATE, OP_DELETE, OP_REMOVE, OP_BAD };

struct edit {
	enum nbnc_erropt  erropt;
	struct nbnc_errs *errs;
	bool		  stop;
};

static enum nbnc_op
nbnc_op_parse(const char *s)
{
	static const char *const names[] = { "none", "merge", "replace", "create", "delete",
		"remove" };

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum nbnc_op)i;
	return OP_BAD;
}

/* The node's own nc:operation attribute, or inherit. */
static enum nbnc_op
nbnc_op_of(const struct lyd_node *e, enum nbnc_op inherit)
{
	if (e->schema) {
		struct lyd_meta *m = lyd_find_meta(e->meta, NULL, "ietf-netconf:operation");

		return m ? nbnc_op_parse(lyd_get_meta_value(m)) : inherit;
	}
	for (const struct lyd_attr *a = ((const struct lyd_node_opaq *)e)->attr; a; a = a->next)
		if (strcmp(a->name.name, "operation") == 0 && a->name.module_ns &&
		    strcmp(a->name.module_ns, NC_BASE_NS) == 0)
			return nbnc_op_parse(a->value);
	return inherit;
}

static void nbnc_edit_err(struct edit *ed, NC_ERR tag, const struct lyd_node *e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
nbnc_edit_err(struct edit *ed, NC_ERR tag, const struct lyd_node *e, const char *fmt, ...)
{
	char   *path = lyd_path(e, LYD_PATH_STD, NULL, 0);
	char	msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nbnc_errs_add(ed->errs, tag, path,
	    e->schema ? e->schema->name : ((const struct lyd_node_opaq *)e)->name.name, "%s",
	    msg);
	free(path);
	if (ed->erropt != NBNC_ERR_CONTINUE)
		ed->stop = true;
}

/* Does the edit below e (under "none") ask for removals and nothing else?
 * Removing what does not exist is silently ignored (RFC 6241 7.2), so such
 * an edit of a missing entry is no error; any other data there is. */
static bool
nbnc_only_removes(const struct lyd_node *e)
{
	const struct lyd_node *n;
	bool		       removes = false;

	LYD_TREE_DFS_BEGIN(e, n) {
		enum nbnc_op op = n != e ? nbnc_op_of(n, OP_NONE) : OP_NONE;

		if (op != OP_NONE && op != OP_REMOVE)
			return false;
		removes |= op == OP_REMOVE;
		LYD_TREE_DFS_END(e, n);
	}
	return removes;
}

/* yang:insert, yang:value and yang:key place entries of lists and
 * leaf-lists that are ordered-by user; this model has none, and on any other
 * node they are unknown-attribute (RFC 7950 7.8.6, 7.7.9). */
static int
nbnc_insert_attr(struct edit *ed, const struct lyd_node *e)
{
	const struct lyd_meta *m;

	for (m = e->meta; m; m = m->next) {
		if (strcmp(m->annotation->module->name, "yang") != 0 ||
		    (strcmp(m->name, "insert") != 0 && strcmp(m->name, "value") != 0 &&
			strcmp(m->name, "key") != 0))
			continue;
		nbnc_edit_err(ed, NC_ERR_UNKNOWN_ATTR, e,
		    "\"%s\" is not ordered-by user: yang:%s "
		    "does not apply",
		    e->schema->name, m->name);
		if (ed->errs->n)
			snprintf(ed->errs->v[ed->errs->n - 1].bad_attr,
			    sizeof(ed->errs->v[0].bad_attr), "%s", m->name);
		return -EINVAL;
	}
	return 0;
}

static int nbnc_edit_siblings(struct edit *, struct lyd_node *tparent, struct lyd_node **ttop,
    const struct lyd_node *efirst, enum nbnc_op inherit);

static struct lyd_node *
nbnc_target_first(struct lyd_node *tparent, struct lyd_node **ttop)
{
	return tparent ? lyd_child(tparent) : *ttop;
}

static int
nbnc_insert(struct lyd_node *tparent, struct lyd_node **ttop, struct lyd_node *n)
{
	if (tparent)
		return lyd_insert_child(tparent, n) == LY_SUCCESS ? 0 : -EINVAL;
	return lyd_insert_sibling(*ttop, n, ttop) == LY_SUCCESS ? 0 : -EINVAL;
}

/* Free a target node, keeping the top-level sibling pointer valid. */
static void
nbnc_free(struct lyd_node **ttop, struct lyd_node *t)
{
	if (ttop && *ttop == t)
		*ttop = t->next;
	lyd_free_tree(t);
}

/* Create e (and, through merge, its children) where nothing matched. */
static int
nbnc_edit_create(struct edit *ed, struct lyd_node *tparent, struct lyd_node **ttop,
    const struct lyd_node *e, enum nbnc_op op)
{
	struct lyd_node *n = NULL;
	enum nbnc_op	 child_op = op == OP_REPLACE ? OP_REPLACE : OP_MERGE;

	if (lyd_dup_single(e, NULL, LYD_DUP_NO_META, &n) != LY_SUCCESS) {
		nbnc_edit_err(ed, NC_ERR_OP_FAILED, e, "cannot copy the node");
		return -ENOMEM;
	}
	if (nbnc_insert(tparent, ttop, n) != 0) {
		lyd_free_tree(n);
		nbnc_edit_err(ed, NC_ERR_OP_FAILED, e, "cannot insert the node");
		return -EINVAL;
	}
	if (e->schema->nodetype & LYD_NODE_INNER)
		return nbnc_edit_siblings(ed, n, NULL, lyd_child_no_keys(e), child_op);
	return 0;
}

/* An opaque edit node: no schema match, a bad value, or a delete/remove of
 * a leaf written without (a valid) value. */
static int
nbnc_edit_opaq(struct edit *ed, struct lyd_node *tparent, struct lyd_node **ttop,
    const struct lyd_node *e, enum nbnc_op op)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)e;
	const struct lys_module	   *mod = NULL;
	const struct lysc_node	   *s = NULL;
	struct lyd_node		   *t = NULL;

	if (o->name.module_ns)
		mod = ly_ctx_get_module_implemented_ns(nb_ctx(), o->name.module_ns);
	if (tparent && !tparent->schema)
		tparent = NULL;
	if (mod || tparent)
		s = lys_find_child(tparent ? tparent->schema : NULL,
		    mod ? mod : tparent->schema->module, o->name.name, 0, 0, 0);
	if (!mod && o->name.module_ns && o->name.module_ns[0] &&
	    (!tparent || strcmp(o->name.module_ns, tparent->schema->module->ns) != 0)) {
		/* RFC 6241 App. A: a namespace the server does not know at all */
		nbnc_edit_err(ed, NC_ERR_UNKNOWN_NS, e,
		    "no module of this server has namespace \"%s\"", o->name.module_ns);
		if (ed->errs->n)
			snprintf(ed->errs->v[ed->errs->n - 1].bad_ns,
			    sizeof(ed->errs->v[0].bad_ns), "%s", o->name.module_ns);
		return -EINVAL;
	}
	if (!s || (s->flags & LYS_CONFIG_R)) {
		nbnc_edit_err(ed, NC_ERR_UNKNOWN_ELEM, e, "unknown element \"%s\"%s%s",
		    o->name.name, o->name.module_ns ? " in namespace " : "",
		    o->name.module_ns ? o->name.module_ns : "");
		return -EINVAL;
	}
	if (s->nodetype == LYS_LEAF && (op == OP_DELETE || op == OP_REMOVE) && !lyd_child(e)) {
		lyd_find_sibling_val(nbnc_target_first(tparent, ttop), s, NULL, 0, &t);
		if (t && (t->flags & LYD_DEFAULT))
			t = NULL;
		if (!t && op == OP_DELETE) {
			nbnc_edit_err(ed, NC_ERR_DATA_MISSING, e,
			    "cannot delete \"%s\": it does not exist", s->name);
			return -ENOENT;
		}
		if (t)
			nbnc_free(tparent ? NULL : ttop, t);
		return 0;
	}
	if (s->nodetype & LYD_NODE_TERM) {
		/* Ask libyang why the value is wrong, for a precise message. */
		if (lyd_value_validate(nb_ctx(), s, o->value ? o->value : "",
			o->value ? strlen(o->value) : 0, NULL, NULL, NULL) != LY_SUCCESS) {
			const struct ly_err_item *li = ly_err_last(nb_ctx());

			nbnc_edit_err(ed, NC_ERR_INVALID_VALUE, e, "%s",
			    li && li->msg ? li->msg : "invalid value");
			ly_err_clean(nb_ctx(), NULL);
			return -EINVAL;
		}
	}
	if (s->nodetype == LYS_LIST) {
		nbnc_edit_err(ed, NC_ERR_MISSING_ELEM, e,
		    "list \"%s\" instance without all its keys", s->name);
		return -EINVAL;
	}
	nbnc_edit_err(ed, NC_ERR_INVALID_VALUE, e, "invalid element \"%s\"", s->name);
	return -EINVAL;
}

static int
nbnc_edit_one(struct edit *ed, struct lyd_node *tparent, struct lyd_node **ttop,
    const struct lyd_node *e, enum nbnc_op op)
{
	struct lyd_node *t = NULL, *first = nbnc_target_first(tparent, ttop);
	int		 rc = 0;

	if (op == OP_BAD) {
		nbnc_edit_err(ed, NC_ERR_BAD_ATTR, e, "invalid operation attribute");
		return -EINVAL;
	}
	if (!e->schema)
		return nbnc_edit_opaq(ed, tparent, ttop, e, op);
	if (nbnc_insert_attr(ed, e) != 0)
		return -EINVAL;
	if (e->schema->flags & LYS_CONFIG_R) {
		nbnc_edit_err(ed, NC_ERR_INVALID_VALUE, e,
		    "\"%s\" is state data, not configuration", e->schema->name);
		return -EINVAL;
	}
	if (first)
		lyd_find_sibling_first(first, e, &t);
	/* RFC 6243 4.5.2: a default value in use counts as not set. */
	if (t && (t->schema->nodetype & LYD_NODE_TERM) && (t->flags & LYD_DEFAULT)) {
		if (op == OP_DELETE || op == OP_REMOVE || op == OP_NONE) {
			if (op == OP_DELETE) {
				nbnc_edit_err(ed, NC_ERR_DATA_MISSING, e,
				    "cannot delete \"%s\": it is not set", e->schema->name);
				return -ENOENT;
			}
			return 0;
		}
		nbnc_free(tparent ? NULL : ttop, t);
		t = NULL;
	}
	switch (op) {
	case OP_CREATE:
		if (t) {
			nbnc_edit_err(ed, NC_ERR_DATA_EXISTS, e,
			    "cannot create \"%s\": it already exists", e->schema->name);
			return -EEXIST;
		}
		return nbnc_edit_create(ed, tparent, ttop, e, OP_MERGE);
	case OP_MERGE:
		if (!t)
			return nbnc_edit_create(ed, tparent, ttop, e, OP_MERGE);
		if (t->schema->nodetype == LYS_LEAF) {
			LY_ERR r = lyd_change_term(t, lyd_get_value(e));

			if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT) {
				nbnc_edit_err(ed, NC_ERR_INVALID_VALUE, e, "cannot set \"%s\"",
				    e->schema->name);
				return -EINVAL;
			}
			return 0;
		}
		if (t->schema->nodetype & LYD_NODE_INNER)
			return nbnc_edit_siblings(ed, t, NULL, lyd_child_no_keys(e), OP_MERGE);
		return 0; /* leaf-list value present; anydata kept */
	case OP_REPLACE:
		if (t)
			nbnc_free(tparent ? NULL : ttop, t);
		return nbnc_edit_create(ed, tparent, ttop, e, OP_REPLACE);
	case OP_DELETE:
		if (!t) {
			nbnc_edit_err(ed, NC_ERR_DATA_MISSING, e,
			    "cannot delete \"%s\": it does not exist", e->schema->name);
			return -ENOENT;
		}
		__attribute__((fallthrough));
	case OP_REMOVE:
		if (t)
			nbnc_free(tparent ? NULL : ttop, t);
		return 0;
	case OP_NONE:
		if (!(e->schema->nodetype & LYD_NODE_INNER))
			return 0;
		if (t)
			return nbnc_edit_siblings(ed, t, NULL, lyd_child_no_keys(e), OP_NONE);
		/* RFC 6241 7.2 "none": data with no corresponding level in the
		 * datastore is data-missing. A non-presence container has no
		 * instance of its own to miss; a list entry or presence one does. */
		if (!lysc_is_np_cont(e->schema) && !nbnc_only_removes(e)) {
			nbnc_edit_err(ed, NC_ERR_DATA_MISSING, e,
			    "\"%s\" does not exist (default-operation none creates nothing)",
			    e->schema->name);
			return -ENOENT;
		}
		/* Only a path to deeper operations: build it, drop it if unused. */
		if (lyd_dup_single(e, NULL, LYD_DUP_NO_META, &t) != LY_SUCCESS ||
		    nbnc_insert(tparent, ttop, t) != 0) {
			lyd_free_tree(t);
			nbnc_edit_err(ed, NC_ERR_OP_FAILED, e, "out of memory");
			return -ENOMEM;
		}
		rc = nbnc_edit_siblings(ed, t, NULL, lyd_child_no_keys(e), OP_NONE);
		if (!lyd_child_no_keys(t))
			nbnc_free(tparent ? NULL : ttop, t);
		return rc;
	default:
		return -EINVAL;
	}
}

static int
nbnc_edit_siblings(struct edit *ed, struct lyd_node *tparent, struct lyd_node **ttop,
    const struct lyd_node *efirst, enum nbnc_op inherit)
{
	int rc = 0;

	for (const struct lyd_node *e = efirst; e && !ed->stop; e = e->next) {
		int r;

		if (e->schema && lysc_is_key(e->schema))
			continue;
		r = nbnc_edit_one(ed, tparent, ttop, e, nbnc_op_of(e, inherit));
		if (r && !rc)
			rc = r;
	}
	return rc;
}

bool
nbnc_bad_operation(const char *msg, const char *xml)
{
	const char *q = strchr(msg, '"'), *q2 = q ? strchr(q + 1, '"') : NULL;
	char	    pat[96];

	if (!q2 || strncmp(msg, "Invalid enumeration value", 25) != 0 || q2 - q > 64)
		return false;
	snprintf(pat, sizeof(pat), "operation=\"%.*s\"", (int)(q2 - q - 1), q + 1);
	if (strstr(xml, pat))
		return true;
	snprintf(pat, sizeof(pat), "operation='%.*s'", (int)(q2 - q - 1), q + 1);
	return strstr(xml, pat) != NULL;
}

int
nbnc_edit_parse(const char *xml, struct lyd_node **edit, struct nbnc_errs *errs)
{
	size_t before = errs->n;

	*edit = NULL;
	if (lyd_parse_data_mem(nb_ctx(), xml, LYD_XML,
		LYD_PARSE_ONLY | LYD_PARSE_OPAQ | LYD_PARSE_NO_STATE, 0, edit) != LY_SUCCESS) {
		const struct ly_err_item *li = ly_err_last(nb_ctx());
		NC_ERR			  tag = NC_ERR_MALFORMED_MSG;

		/* a bad nc:operation value fails the parse itself:
		 * 'Invalid enumeration value "x".' with operation="x" */
		if (li && li->msg && nbnc_bad_operation(li->msg, xml))
			tag = NC_ERR_BAD_ATTR;
		else if (li && li->vecode != LYVE_SYNTAX_XML)
			tag = NC_ERR_INVALID_VALUE;
		nbnc_errs_from_ly(errs, NULL);
		if (errs->n > before)
			errs->v[errs->n - 1].tag = tag;
		lyd_free_all(*edit);
		*edit = NULL;
		return -EINVAL;
	}
	return 0;
}

int
nbnc_edit_run(struct lyd_node **tree, const struct lyd_node *edit, const char *default_op,
    enum nbnc_erropt erropt, struct nbnc_errs *errs)
{
	struct edit  ed = { erropt, errs, false };
	enum nbnc_op dop = default_op ? nbnc_op_parse(default_op) : OP_MERGE;
	size_t	     before = errs->n;

	nbnc_edit_siblings(&ed, NULL, tree, edit, dop);
	return errs->n > before ? -EINVAL : 0;
}

int
nbnc_edit_apply(struct lyd_node **tree, const char *xml, const char *default_op,
    enum nbnc_erropt erropt, struct nbnc_errs *errs)
{
	struct lyd_node *edit = NULL;
	int		 rc;

	if ((rc = nbnc_edit_parse(xml, &edit, errs)) != 0)
		return rc;
	rc = nbnc_edit_run(tree, edit, default_op, erropt, errs);
	lyd_free_all(edit);
	return rc;
}

/* The operation an edit node asks for (nc:operation or inherited), as
 * nbnc_edit_run() reads it: "merge", "none", ... or NULL when invalid. */
const char *
nbnc_edit_op(const struct lyd_node *e, const char *inherit)
{
	static const char *const names[] = { "none", "merge", "replace", "create", "delete",
		"remove" };
	enum nbnc_op op = nbnc_op_of(e, inherit ? nbnc_op_parse(inherit) : OP_MERGE);

	return op < OP_BAD ? names[op] : NULL;
}

int
nbnc_any_xml(const struct lyd_node *any, char **xml)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	*xml = NULL;
	if (a->value_type == LYD_ANYDATA_DATATREE) {
		if (!a->value.tree)
			return 0;
		return lyd_print_mem(xml, a->value.tree, LYD_XML,
			   LYD_PRINT_WITHSIBLINGS | LYD_PRINT_KEEPEMPTYCONT |
			       LYD_PRINT_SHRINK) == LY_SUCCESS ?
		    0 :
		    -ENOMEM;
	}
	return lyd_any_value_str(any, xml) == LY_SUCCESS ? 0 : -ENOMEM;
}

int
nbnc_config_parse(const char *xml, struct lyd_node **tree, struct nbnc_errs *errs)
{
	struct nb_err err = { 0 };

	*tree = NULL;
	if (nb_config_parse_mem(xml, LYD_XML, tree, &err) != 0) {
		nbnc_errs_add_nb(errs, NC_ERR_UNKNOWN, &err);
		return -EINVAL;
	}
	return 0;
}
