/* northbound/nb_show.c - hybridgwctl requests: the modules' views of one YANG state tree (tables, JSON), config ops, commands. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_local.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/loop.h"

/* A growing output buffer (open_memstream keeps it simple). */
struct out {
	FILE  *f;
	char  *buf;
	size_t len;
};

static int
out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f ? 0 : -ENOMEM;
}

static char *
out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}

char *
nb_strdupf(const char *fmt, ...)
{
	va_list ap;
	char   *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static const char *
leaf(const struct lyd_node *n, const char *path)
{
	struct lyd_node *l = NULL;

	if (!n || lyd_find_path(n, path, 0, &l) != LY_SUCCESS || !l)
		return "";
	return lyd_get_value(l);
}

static int
print_tree_json(struct lyd_node *tree, char **out)
{
	char *s = NULL;

	if (lyd_print_mem(&s, tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS)
		return -ENOMEM;
	*out = s ? s : strdup("{}\n");
	return 0;
}

static bool
has_flag(int nw, char **w, const char *flag)
{
	for (int i = 0; i < nw; i++)
		if (strcmp(w[i], flag) == 0)
			return true;
	return false;
}

/* Drop flags (--x) so positional words line up. */
static int
strip_flags(int nw, char **w)
{
	int n = 0;

	for (int i = 0; i < nw; i++)
		if (strncmp(w[i], "--", 2) != 0)
			w[n++] = w[i];
	return n;
}

static int
err_out(char **out, const struct nb_err *e)
{
	*out =
	    e->path[0] ? nb_strdupf("%s: %s\n", e->path, e->msg) : nb_strdupf("%s\n", e->msg);
	return -EINVAL;
}

static int
show_config(bool json, bool secrets, char **out)
{
	struct lyd_node *dup = NULL;
	char		*s = NULL;
	int		 rc = 0;

	if (nb_running() &&
	    lyd_dup_siblings(nb_running(), NULL, LYD_DUP_RECURSIVE, &dup) != LY_SUCCESS)
		return -ENOMEM;
	if (!secrets)
		nb_tree_strip_secrets(dup);
	if (lyd_print_mem(&s, dup, json ? LYD_JSON : LYD_XML, LYD_PRINT_WITHSIBLINGS) !=
	    LY_SUCCESS)
		rc = -ENOMEM;
	lyd_free_all(dup);
	*out = s ? s : strdup(json ? "{}\n" : "");
	return rc;
}

/*
 * The xpath tells state builders how much to fill (e.g. one neighbor's
 * Adj-RIB) - the same convention NETCONF <get> uses. "show version" is the
 * root's own leaves; every other view belongs to a module.
 */
static int
show_state(const struct nb_show *sh, int nw, char **w, bool json, char **out)
{
	struct lyd_node *st = NULL;
	struct nb_err	 e = { 0 };
	struct out	 o;
	char		 xp[512];
	int		 rc;

	if (sh && sh->xpath)
		sh->xpath(nw - 1, w + 1, xp, sizeof(xp));
	else
		snprintf(xp, sizeof(xp), "/hybridgw:gateway-state/%s", w[1]);
	if ((rc = nb_state_get(xp, &st, &e)) != 0)
		return err_out(out, &e);
	if (json) {
		if (sh && sh->json_trim)
			sh->json_trim(st, nw - 1, w + 1);
		rc = print_tree_json(st, out);
		lyd_free_all(st);
		return rc;
	}
	if (out_open(&o) != 0) {
		lyd_free_all(st);
		return -ENOMEM;
	}
	if (sh)
		rc = sh->table(o.f, st, nw - 1, w + 1);
	else
		fprintf(o.f, "hybridgw %s, up %s s\n", leaf(st, "version"), leaf(st, "uptime"));
	*out = out_close(&o);
	lyd_free_all(st);
	return rc;
}

static const struct nb_show *
show_find(const char *name)
{
	const struct nb_module *m;

	for (size_t i = 0; (m = nb_module_at(i)); i++)
		for (const struct nb_show *sh = m->shows; sh && sh->name; sh++)
			if (strcmp(sh->name, name) == 0)
				return sh;
	return NULL;
}

static const struct nb_cmd *
cmd_find(const char *verb, int nw)
{
	const struct nb_module *m;

	for (size_t i = 0; (m = nb_module_at(i)); i++)
		for (const struct nb_cmd *c = m->cmds; c && c->verb; c++)
			if (strcmp(c->verb, verb) == 0 && nw >= c->min_words &&
			    nw <= c->max_words)
				return c;
	return NULL;
}

/* What there is to ask, for the answer to a request nobody knows. */
static char *
usage(void)
{
	const struct nb_module *m;
	struct out		o;

	if (out_open(&o) != 0)
		return NULL;
	fprintf(o.f, "unknown command; try: show version|config");
	for (size_t i = 0; (m = nb_module_at(i)); i++)
		for (const struct nb_show *sh = m->shows; sh && sh->name; sh++)
			fprintf(o.f, "|%s", sh->name);
	fprintf(o.f, ", config validate|apply|diff|save");
	for (size_t i = 0; (m = nb_module_at(i)); i++)
		for (const struct nb_cmd *c = m->cmds; c && c->verb; c++)
			if (c->usage)
				fprintf(o.f, ", %s", c->usage);
	fprintf(o.f, ", debug LIST, monitor [--json]\n");
	return out_close(&o);
}

static int
config_op(const char *op, const char *body, char **out)
{
	struct lyd_node *tree = NULL, *diff = NULL;
	struct nb_err	 e = { 0 };
	char		*s = NULL;
	int		 rc;

	if (strcmp(op, "save") == 0) {
		if (nb_startup_save(&e) != 0)
			return err_out(out, &e);
		*out = nb_strdupf("running configuration saved to %s\n", nb_startup_path());
		return 0;
	}
	if (strcmp(op, "validate") != 0 && strcmp(op, "apply") != 0 &&
	    strcmp(op, "diff") != 0) {
		/* before the body is parsed: nothing would free it (found by
		 * fuzz_northbound_ctl) */
		*out =
		    nb_strdupf("unknown config operation '%s' (validate, apply, diff, save)\n",
			op);
		return -EINVAL;
	}
	if (nb_config_parse_mem(body, LYD_UNKNOWN, &tree, &e) != 0)
		return err_out(out, &e);
	if (strcmp(op, "validate") == 0) {
		rc = nb_check(tree, &e);
		lyd_free_all(tree);
		if (rc != 0)
			return err_out(out, &e);
		*out = strdup("configuration is valid\n");
		return 0;
	}
	if (strcmp(op, "apply") == 0) {
		if (nb_commit(tree, &e) != 0)
			return err_out(out, &e);
		log_info(LOG_MOD_NB, "configuration applied through the control socket");
		*out = strdup("configuration applied\n");
		return 0;
	}
	if (strcmp(op, "diff") == 0) {
		if (lyd_diff_siblings(nb_running(), tree, 0, &diff) != LY_SUCCESS) {
			lyd_free_all(tree);
			nb_err_from_ly(&e, "diff");
			return err_out(out, &e);
		}
		nb_tree_strip_secrets(diff);
		lyd_print_mem(&s, diff, LYD_XML, LYD_PRINT_WITHSIBLINGS);
		lyd_free_all(diff);
		lyd_free_all(tree);
		*out = s ? s : strdup("no changes\n");
		return 0;
	}
	*out = nb_strdupf("unknown config operation '%s' (validate, apply, diff, save)\n", op);
	return -EINVAL;
}

int
nb_show_request(int nw, char **w, const char *body, char **out)
{
	bool		      json = has_flag(nw, w, "--json");
	bool		      secrets = has_flag(nw, w, "--with-secrets");
	const struct nb_show *sh;
	const struct nb_cmd  *c;

	*out = NULL;
	nw = strip_flags(nw, w);
	if (nw >= 2 && strcmp(w[0], "show") == 0) {
		if (strcmp(w[1], "config") == 0)
			return show_config(json, secrets, out);
		if (strcmp(w[1], "version") == 0)
			return show_state(NULL, nw, w, json, out);
		if ((sh = show_find(w[1])))
			return show_state(sh, nw, w, json, out);
	} else if (nw >= 2 && strcmp(w[0], "config") == 0)
		return config_op(w[1], body, out);
	else if (nw == 2 && strcmp(w[0], "debug") == 0) {
		if (log_set_debug(w[1]) != 0) {
			*out = nb_strdupf("unknown debug module in '%s'\n", w[1]);
			return -EINVAL;
		}
		*out = nb_strdupf("debug: %s\n", w[1]);
		return 0;
	} else if (nw >= 1 && (c = cmd_find(w[0], nw)))
		return c->fn(nw, w, out);
	*out = usage();
	return -EINVAL;
}
