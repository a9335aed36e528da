/* northbound/nb_netconf_bulk.c - big state lists handed to libyang's printer as pre-printed XML in ~30 KB pieces. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_local.h"

/*
 * Why: libnetconf2 2.0 writes a reply through a 1 KB buffer. libyang's
 * printer hands it every tag and every value character by character, so
 * a reply of 110,000 routes (27 MB) leaves as 27,000 NETCONF chunks of
 * 1 KB, each in two SSH packets (chunk header, data): 55,000 packets that
 * cost the server an HMAC context each and the client (paramiko, ncclient)
 * far more. One write larger than the buffer goes out as one chunk, and
 * libyang prints the value of an anyxml node holding XML text in one
 * write. One anyxml node for the whole list would make one 27 MB chunk,
 * which ncclient 0.6 reassembles in quadratic time; so the entries go in
 * pieces of about NBNC_BULK_PIECE bytes.
 *
 * How: each piece is an anyxml node named like the list, whose XML text
 * is its entries' content joined by "</route><route>": printed as
 * "<route>" text "</route>" it is exactly those list entries. The node's
 * schema is a copy of the list's schema node with nodetype LYS_ANYXML
 * (libyang prints anyxml by name and namespace only). Such a tree is
 * only for printing: no validation, no XPath, no diff, no duplicate.
 *
 * Freeing: libyang keeps an anyxml's text in its dictionary; the pieces'
 * text is not there (putting 27 MB in and taking it out again cost ~0.1 s
 * of the loop thread per <get>), so libyang must not free a piece.
 * nbnc_bulk_free() does (any tree that may hold pieces is freed through
 * it), and a reply holding pieces is handed to libnetconf2 as
 * NC_PARAMTYPE_CONST and freed by nbnc_bulk_sent() once the poll thread
 * is back from nc_ps_poll(), i.e. once the reply has been sent.
 *
 * The text must be what libyang prints for the same nodes (canonical
 * values, element content escaped as lyxml_dump_text() does: & < >);
 * tests/northbound/test_netconf_bulk.py compares both.
 */

#define NBNC_BULK_PIECE (30 * 1024) /* one SSH packet for paramiko (32 KB max) */

/* The fake anyxml schema node of each list seen (a handful; ctx is fixed
 * once the server runs). */
static struct bulk_snode {
	const struct lysc_node	*list;
	struct lysc_node_anydata any;
	uint32_t		 ctx_changes;
} bulk_snodes[8];
static pthread_mutex_t bulk_snodes_mtx = PTHREAD_MUTEX_INITIALIZER;

static const struct lysc_node *
bulk_snode(const struct lysc_node *list)
{
	const struct lysc_node *ret = NULL;
	uint32_t		changes = ly_ctx_get_change_count(list->module->ctx);

	pthread_mutex_lock(&bulk_snodes_mtx);
	for (size_t i = 0; i < sizeof(bulk_snodes) / sizeof(bulk_snodes[0]); i++) {
		struct bulk_snode *s = &bulk_snodes[i];

		if (s->list == list && s->ctx_changes == changes) {
			ret = &s->any.node;
			break;
		}
		if (!s->list || s->ctx_changes != changes) {
			memset(s, 0, sizeof(*s));
			s->list = list;
			s->ctx_changes = changes;
			s->any.node = *list; /* name, module, parent, flags */
			s->any.node.nodetype = LYS_ANYXML;
			s->any.node.next = NULL;
			s->any.node.prev = &s->any.node;
			s->any.node.priv = NULL;
			ret = &s->any.node;
			break;
		}
	}
	pthread_mutex_unlock(&bulk_snodes_mtx);
	return ret;
}

int
nbnc_bulk_init(struct nbnc_bulk *b, struct lyd_node *parent, const char *list)
{
	const struct lysc_node *s;

	memset(b, 0, sizeof(*b));
	b->parent = parent;
	if (!parent || !parent->schema ||
	    !(s = lys_find_child(parent->schema, parent->schema->module, list, 0, LYS_LIST,
		  0)) ||
	    !(b->snode = bulk_snode(s))) {
		b->err = -EINVAL;
		return b->err;
	}
	b->list = s->name;
	b->sep_len = strlen(s->name) * 2 + 5; /* "</" name "><" name ">" */
	return 0;
}

static bool
bulk_grow(struct nbnc_bulk *b, size_t n)
{
	char  *nb;
	size_t cap;

	/* n bytes and the NUL: a size near SIZE_MAX would wrap the sum
	 * below (to "it fits") or the doubling (to 0, for ever) */
	if (n > SIZE_MAX / 4 - b->len) {
		b->err = -ENOMEM;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : NBNC_BULK_PIECE + 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (!(nb = realloc(b->buf, cap))) {
		b->err = -ENOMEM;
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

void
nbnc_bulk_put(struct nbnc_bulk *b, const char *s, size_t n)
{
	if (b->err || !bulk_grow(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

/* Element content as libyang's lyxml_dump_text() writes it. */
void
nbnc_bulk_text(struct nbnc_bulk *b, const char *s)
{
	const char *p = s;

	for (;;) {
		size_t n = strcspn(p, "&<>");

		nbnc_bulk_put(b, p, n);
		p += n;
		switch (*p) {
		case '\0':
			return;
		case '&':
			nbnc_bulk_put(b, "&amp;", 5);
			break;
		case '<':
			nbnc_bulk_put(b, "&lt;", 4);
			break;
		default:
			nbnc_bulk_put(b, "&gt;", 4);
			break;
		}
		p++;
	}
}

void
nbnc_bulk_leaf(struct nbnc_bulk *b, const char *name, const char *value)
{
	size_t nl = strlen(name);

	nbnc_bulk_put(b, "<", 1);
	nbnc_bulk_put(b, name, nl);
	if (!value[0]) {
		nbnc_bulk_put(b, "/>", 2); /* libyang: an empty value */
		return;
	}
	nbnc_bulk_put(b, ">", 1);
	nbnc_bulk_text(b, value);
	nbnc_bulk_put(b, "</", 2);
	nbnc_bulk_put(b, name, nl);
	nbnc_bulk_put(b, ">", 1);
}

void
nbnc_bulk_entry_begin(struct nbnc_bulk *b)
{
	if (!b->entries)
		return;
	nbnc_bulk_put(b, "</", 2);
	nbnc_bulk_put(b, b->list, strlen(b->list));
	nbnc_bulk_put(b, "><", 2);
	nbnc_bulk_put(b, b->list, strlen(b->list));
	nbnc_bulk_put(b, ">", 1);
}

/* The piece so far becomes an anyxml node, last child of the parent. */
static void
bulk_flush(struct nbnc_bulk *b)
{
	struct lyd_node_any *n;
	struct lyd_node	    *parent = b->parent, *first;

	if (b->err || !b->entries)
		return;
	if (!(n = calloc(1, sizeof(*n)))) {
		b->err = -ENOMEM;
		return;
	}
	b->buf[b->len] = '\0';
	n->schema = b->snode;
	n->parent = (struct lyd_node_inner *)parent;
	n->value.str = b->buf;
	n->value_type = LYD_ANYDATA_XML;
	b->buf = NULL;
	b->len = b->cap = 0;
	b->entries = 0;
	/* append: the first child's prev is the last child */
	if (!(first = lyd_child(parent))) {
		n->prev = &n->node;
		((struct lyd_node_inner *)parent)->child = &n->node;
	} else {
		n->prev = first->prev;
		first->prev->next = &n->node;
		first->prev = &n->node;
	}
	/* as lyd_insert_node(): a non-presence container with content is no
	 * longer a default node (with-defaults trim would drop it) */
	for (struct lyd_node *p = parent; p && (p->flags & LYD_DEFAULT); p = lyd_parent(p))
		p->flags &= ~LYD_DEFAULT;
	b->pieces++;
}

void
nbnc_bulk_entry_end(struct nbnc_bulk *b)
{
	b->entries++;
	if (b->len >= NBNC_BULK_PIECE - b->sep_len)
		bulk_flush(b);
}

void
nbnc_bulk_drop(struct nbnc_bulk *b)
{
	struct lyd_node *c, *next;

	free(b->buf);
	b->buf = NULL;
	for (c = b->parent ? lyd_child(b->parent) : NULL; c; c = next) {
		next = c->next;
		if (c->schema != b->snode)
			continue;
		lyd_unlink_tree(c);
		nbnc_bulk_free(c);
	}
	b->pieces = 0;
}

int
nbnc_bulk_finish(struct nbnc_bulk *b)
{
	bulk_flush(b);
	free(b->buf);
	b->buf = NULL;
	if (b->err)
		nbnc_bulk_drop(b); /* the caller frees the tree */
	return b->err;
}

static bool
bulk_is_piece(const struct lyd_node *n)
{
	for (size_t i = 0; i < sizeof(bulk_snodes) / sizeof(bulk_snodes[0]); i++)
		if (n->schema == &bulk_snodes[i].any.node)
			return true;
	return false;
}

/* Free the pieces' text; they become empty anyxml nodes libyang can free. */
static void
bulk_disarm(struct lyd_node *first)
{
	for (struct lyd_node *n = first; n; n = n->next) {
		struct lyd_node_any *a = (struct lyd_node_any *)n;

		if (!n->schema)
			continue;
		if (bulk_is_piece(n)) {
			free((char *)a->value.str);
			a->value.tree = NULL;
			a->value_type = LYD_ANYDATA_DATATREE;
		} else if (n->schema->nodetype & LYD_NODE_INNER) {
			bulk_disarm(lyd_child(n));
		} else if ((n->schema->nodetype & LYD_NODE_ANY) &&
		    a->value_type == LYD_ANYDATA_DATATREE) {
			bulk_disarm(a->value.tree);
		}
	}
}

void
nbnc_bulk_free(struct lyd_node *tree)
{
	if (!tree)
		return;
	bulk_disarm(lyd_first_sibling(tree));
	lyd_free_all(tree);
}

/* The reply tree of the RPC being answered on this poll thread. */
static __thread struct lyd_node *bulk_pending;

void
nbnc_bulk_defer(struct lyd_node *tree)
{
	nbnc_bulk_free(bulk_pending); /* not expected: one RPC per nc_ps_poll() */
	bulk_pending = tree;
}

void
nbnc_bulk_sent(void)
{
	nbnc_bulk_free(bulk_pending);
	bulk_pending = NULL;
}

/* ------------------------------------- across the channel (nb_chan_srv.c, nb_nc_chan.c) */

static void
bulk_collect(struct lyd_node *first, struct ly_set *set)
{
	for (struct lyd_node *n = first; n; n = n->next) {
		if (!n->schema)
			continue;
		if (bulk_is_piece(n))
			ly_set_add(set, n, 1, NULL);
		else if (n->schema->nodetype & LYD_NODE_INNER)
			bulk_collect(lyd_child(n), set);
	}
}

int
nbnc_bulk_take(struct lyd_node *tree, struct nbnc_bulk_piece **v, size_t *n)
{
	struct ly_set	       *set = NULL;
	struct nbnc_bulk_piece *p = NULL;
	int			rc = 0;

	*v = NULL;
	*n = 0;
	if (!tree)
		return 0;
	if (ly_set_new(&set) != LY_SUCCESS)
		return -ENOMEM;
	bulk_collect(lyd_first_sibling(tree), set);
	if (set->count && !(p = calloc(set->count, sizeof(*p)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < set->count; i++) {
		struct lyd_node_any *a = (struct lyd_node_any *)set->dnodes[i];

		if (!(p[i].parent = lyd_path(lyd_parent(&a->node), LYD_PATH_STD, NULL, 0))) {
			nbnc_bulk_pieces_free(p, i);
			p = NULL;
			rc = -ENOMEM;
			goto out;
		}
		p[i].list = a->schema->name; /* the schema outlives the tree */
	}
	/* everything allocated: now take the pieces out, in order */
	for (uint32_t i = 0; i < set->count; i++) {
		struct lyd_node_any *a = (struct lyd_node_any *)set->dnodes[i];

		p[i].text = (char *)a->value.str;
		a->value.tree = NULL;
		a->value_type = LYD_ANYDATA_DATATREE;
		lyd_unlink_tree(&a->node);
		lyd_free_tree(&a->node);
	}
	*v = p;
	*n = set->count;
out:
	ly_set_free(set, NULL);
	return rc;
}

void
nbnc_bulk_pieces_free(struct nbnc_bulk_piece *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].parent);
		free(v[i].text);
	}
	free(v);
}

int
nbnc_bulk_attach(struct lyd_node *parent, const char *list, const char *text, size_t len)
{
	struct nbnc_bulk b;

	if (nbnc_bulk_init(&b, parent, list) != 0)
		return b.err;
	nbnc_bulk_put(&b, text, len);
	b.entries = 1;
	bulk_flush(&b);
	free(b.buf);
	return b.err;
}
