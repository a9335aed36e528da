/* northbound/nb_core.c - libyang context, running config, transactions, state tree, startup file. */
/* SPDX-License-Identifier: ISC */
#include "northbound/northbound.h"
#include "northbound/nb_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"

#define NB_MAX_MODULES 16

static struct ly_ctx	      *nb_ly;
static struct lyd_node	      *nb_run; /* running config; NULL = empty */
static const struct nb_module *nb_mods[NB_MAX_MODULES];
static size_t		       nb_nmods;
static char		       nb_startup[PATH_MAX];
static uint64_t		       nb_started_ms;
static uint64_t		       nb_gen;	   /* commits so far */
static bool		       nb_bulk_on; /* a whole <get> is being built */

/* Replaced running trees are freed on the next loop turn, after the
 * caller (a NETCONF reply, hybridgwctl) has its answer. */
static struct lyd_node *nb_old_runs[8];
static size_t		nb_nold;
static uv_timer_t	nb_old_timer;
static bool		nb_old_timer_init;

void
nb_err_set(struct nb_err *e, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Copy libyang's last error into err: the data path and the reason. */
void
nb_err_from_ly(struct nb_err *e, const char *what)
{
	const struct ly_err_item *li = ly_err_last(nb_ly);
	const char		 *msg = li && li->msg ? li->msg : "unknown libyang error";
	const char		 *path = li && li->path ? li->path : "";
	char			  clean[sizeof(e->path)];
	const char		 *q;

	/* libyang 2.1 paths read 'Data location "/x/y", line number 3.' or
	 * 'Schema location "/x".': keep only the path. */
	q = strchr(path, '"');
	if (q) {
		size_t n = strcspn(q + 1, "\"");

		if (n >= sizeof(clean))
			n = sizeof(clean) - 1;
		memcpy(clean, q + 1, n);
		clean[n] = '\0';
		path = clean;
	}
	nb_err_set(e, path, "%s%s%s", what ? what : "", what ? ": " : "", msg);
	if (e && li && li->apptag)
		snprintf(e->app_tag, sizeof(e->app_tag), "%s", li->apptag);
	ly_err_clean(nb_ly, NULL);
}

struct ly_ctx *
nb_ctx(void)
{
	return nb_ly;
}

int
nb_init(const char *yang_dir, struct nb_err *err)
{
	char	       ietf[PATH_MAX];
	DIR	      *d;
	struct dirent *de;
	int	       rc = 0;

	ly_log_options(LY_LOSTORE_LAST);
	if (ly_ctx_new(yang_dir, LY_CTX_DISABLE_SEARCHDIR_CWD, &nb_ly) != LY_SUCCESS) {
		nb_err_set(err, yang_dir, "cannot create the YANG context");
		return -EINVAL;
	}
	snprintf(ietf, sizeof(ietf), "%s/ietf", yang_dir);
	ly_ctx_set_searchdir(nb_ly, ietf);
	/* Every hybridgw*.yang in the folder is ours; imports come from ietf/. */
	if (!(d = opendir(yang_dir))) {
		nb_err_set(err, yang_dir, "cannot read the YANG folder: %s", strerror(errno));
		rc = -errno;
		goto out;
	}
	while ((de = readdir(d))) {
		char   name[256], *at;
		size_t n = strlen(de->d_name);

		if (strncmp(de->d_name, "hybridgw", 8) != 0 || n < 6 ||
		    strcmp(de->d_name + n - 5, ".yang") != 0 || n - 5 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, n - 5);
		name[n - 5] = '\0';
		if ((at = strchr(name, '@')))
			*at = '\0';
		if (!ly_ctx_load_module(nb_ly, name, NULL, NULL)) {
			nb_err_from_ly(err, de->d_name);
			rc = -EINVAL;
			break;
		}
	}
	closedir(d);
	if (rc == 0 && !ly_ctx_get_module_implemented(nb_ly, "hybridgw")) {
		nb_err_set(err, yang_dir, "module hybridgw not found");
		rc = -ENOENT;
	}
out:
	if (rc != 0) {
		ly_ctx_destroy(nb_ly);
		nb_ly = NULL;
	}
	nb_started_ms = mono_ms();
	return rc;
}

static void
nb_old_free(void)
{
	while (nb_nold > 0)
		lyd_free_all(nb_old_runs[--nb_nold]);
}

static void
nb_old_tick(uv_timer_t *t)
{
	nb_old_free();
}

/* Free tree later on the loop; now when there is no loop to do it. */
static void
nb_old_defer(struct lyd_node *tree)
{
	uv_loop_t *l = loop_get();

	if (!tree)
		return;
	if (l &&
	    (!nb_old_timer_init || uv_is_closing((uv_handle_t *)&nb_old_timer) ||
		nb_old_timer.loop != l)) {
		nb_old_timer_init = uv_timer_init(l, &nb_old_timer) == 0;
	}
	if (!l || !nb_old_timer_init ||
	    nb_nold == sizeof(nb_old_runs) / sizeof(nb_old_runs[0]) ||
	    uv_timer_start(&nb_old_timer, nb_old_tick, 0, 0) != 0) {
		lyd_free_all(tree);
		return;
	}
	nb_old_runs[nb_nold++] = tree;
}

void
nb_fini(void)
{
	nb_old_free();
	if (nb_old_timer_init && !uv_is_closing((uv_handle_t *)&nb_old_timer))
		uv_timer_stop(&nb_old_timer);
	lyd_free_all(nb_run);
	nb_run = NULL;
	for (size_t i = 0; i < nb_nmods; i++)
		if (nb_mods[i]->release)
			nb_mods[i]->release();
	nb_nmods = 0;
	if (nb_ly)
		ly_ctx_destroy(nb_ly);
	nb_ly = NULL;
}

void
nb_module_register(const struct nb_module *m)
{
	if (nb_nmods == NB_MAX_MODULES) {
		log_err(LOG_MOD_NB, "too many northbound modules (max %d)", NB_MAX_MODULES);
		abort();
	}
	nb_mods[nb_nmods++] = m;
}

const struct nb_module *
nb_module_at(size_t i)
{
	return i < nb_nmods ? nb_mods[i] : NULL;
}

bool
nb_state_bulk(void)
{
	return nb_bulk_on;
}

void
nb_state_bulk_set(bool on)
{
	nb_bulk_on = on;
}

static LYD_FORMAT
nb_format_guess(const char *path, const char *data)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && strcmp(dot, ".json") == 0)
		return LYD_JSON;
	if (dot && strcmp(dot, ".xml") == 0)
		return LYD_XML;
	if (data) {
		data += strspn(data, " \t\r\n");
		return *data == '{' ? LYD_JSON : LYD_XML;
	}
	return LYD_XML;
}

static int
nb_parse_opts(void)
{
	return LYD_PARSE_STRICT | LYD_PARSE_NO_STATE;
}

int
nb_config_parse_mem(const char *data, LYD_FORMAT fmt, struct lyd_node **tree,
    struct nb_err *err)
{
	struct lyd_node *t = NULL;

	if (fmt == LYD_UNKNOWN)
		fmt = nb_format_guess(NULL, data);
	if (lyd_parse_data_mem(nb_ly, data, fmt, nb_parse_opts(),
		LYD_VALIDATE_NO_STATE | LYD_VALIDATE_PRESENT, &t) != LY_SUCCESS) {
		nb_err_from_ly(err, NULL);
		lyd_free_all(t);
		return -EINVAL;
	}
	*tree = t;
	return 0;
}

int
nb_config_parse_file(const char *path, struct lyd_node **tree, struct nb_err *err)
{
	struct lyd_node *t = NULL;

	if (access(path, R_OK) != 0) {
		nb_err_set(err, path, "cannot read config file: %s", strerror(errno));
		return -errno;
	}
	if (lyd_parse_data_path(nb_ly, path, nb_format_guess(path, NULL), nb_parse_opts(),
		LYD_VALIDATE_NO_STATE | LYD_VALIDATE_PRESENT, &t) != LY_SUCCESS) {
		nb_err_from_ly(err, NULL);
		lyd_free_all(t);
		return -EINVAL;
	}
	*tree = t;
	return 0;
}

const struct lyd_node *
nb_running(void)
{
	return nb_run;
}

/* Run validate and prepare of every module; on success ctxs hold what
 * prepare allocated. On failure everything prepared is aborted. */
static int
nb_txn_prepare(const struct nb_txn *t, void **ctxs)
{
	size_t i, prepared = 0;
	int    rc = 0;

	for (i = 0; i < nb_nmods; i++) {
		if (nb_mods[i]->validate && (rc = nb_mods[i]->validate(t)) != 0)
			return rc;
	}
	for (i = 0; i < nb_nmods; i++, prepared++) {
		ctxs[i] = NULL;
		if (nb_mods[i]->prepare && (rc = nb_mods[i]->prepare(t, &ctxs[i])) != 0)
			break;
	}
	if (rc != 0) {
		for (i = 0; i < prepared; i++)
			if (nb_mods[i]->abort)
				nb_mods[i]->abort(t, ctxs[i]);
		if (t->err && t->err->msg[0] == '\0')
			nb_err_set(t->err, "", "module %s could not prepare: %s",
			    nb_mods[prepared]->name, strerror(rc < 0 ? -rc : rc));
	}
	return rc;
}

/* Does any registered module read the diff? */
static bool
nb_diff_wanted(void)
{
	for (size_t i = 0; i < nb_nmods; i++) {
		const struct nb_module *m = nb_mods[i];

		if (!m->no_diff && (m->validate || m->prepare || m->apply || m->abort))
			return true;
	}
	return false;
}

static int
nb_txn_begin(const struct lyd_node *new_cfg, struct nb_txn *t, struct lyd_node **diff,
    struct nb_err *err)
{
	*diff = NULL;
	if (nb_diff_wanted() &&
	    lyd_diff_siblings(nb_run, new_cfg, LYD_DIFF_DEFAULTS, diff) != LY_SUCCESS) {
		nb_err_from_ly(err, "diff");
		return -EINVAL;
	}
	t->old_cfg = nb_run;
	t->new_cfg = new_cfg;
	t->diff = *diff;
	t->err = err;
	return 0;
}

int
nb_check(const struct lyd_node *new_cfg, struct nb_err *err)
{
	struct nb_txn	 t;
	struct lyd_node *diff;
	void		*ctxs[NB_MAX_MODULES];
	int		 rc;

	if ((rc = nb_txn_begin(new_cfg, &t, &diff, err)) != 0)
		return rc;
	if ((rc = nb_txn_prepare(&t, ctxs)) == 0) {
		for (size_t i = 0; i < nb_nmods; i++)
			if (nb_mods[i]->abort)
				nb_mods[i]->abort(&t, ctxs[i]);
	}
	lyd_free_all(diff);
	return rc;
}

int
nb_commit(struct lyd_node *new_cfg, struct nb_err *err)
{
	int rc = nb_commit_keep(new_cfg, err);

	if (rc != 0)
		lyd_free_all(new_cfg);
	return rc;
}

int
nb_commit_keep(struct lyd_node *new_cfg, struct nb_err *err)
{
	struct lyd_node *old = NULL;
	int		 rc = nb_commit_swap(new_cfg, &old, err);

	if (rc == 0)
		nb_old_defer(old);
	return rc;
}

uint64_t
nb_running_gen(void)
{
	return nb_gen;
}

void
nb_tree_free_later(struct lyd_node *tree)
{
	nb_old_defer(tree);
}

int
nb_commit_swap(struct lyd_node *new_cfg, struct lyd_node **old, struct nb_err *err)
{
	struct nb_txn	 t;
	struct lyd_node *diff;
	void *ctxs[NB_MAX_MODULES] = { NULL }; /* a module without prepare has none */
	int   rc;

	*old = NULL;
	uint64_t t0 = mono_us(), t1, t2, t3;

	if ((rc = nb_txn_begin(new_cfg, &t, &diff, err)) != 0) {
		nb_stats_commit(false, 0);
		return rc;
	}
	t1 = mono_us();
	if ((rc = nb_txn_prepare(&t, ctxs)) != 0) {
		lyd_free_all(diff);
		nb_stats_commit(false, 0);
		return rc;
	}
	t2 = mono_us();
	for (size_t i = 0; i < nb_nmods; i++)
		if (nb_mods[i]->apply)
			nb_mods[i]->apply(&t, ctxs[i]);
	t3 = mono_us();
	lyd_free_all(diff);
	*old = nb_run;
	nb_run = new_cfg;
	nb_gen++;
	nb_stats_commit(true, mono_us() - t0);
	log_debug(LOG_MOD_NB,
	    "commit: diff %llu us, validate+prepare %llu us, apply %llu us, "
	    "free %llu us",
	    (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
	    (unsigned long long)(t3 - t2), (unsigned long long)(mono_us() - t3));
	return 0;
}

void
nb_startup_path_set(const char *path)
{
	char abs[PATH_MAX];

	if (path && realpath(path, abs))
		path = abs;
	snprintf(nb_startup, sizeof(nb_startup), "%s", path ? path : "");
}

const char *
nb_startup_path(void)
{
	return nb_startup[0] ? nb_startup : NULL;
}

/* Write data to path atomically: a temporary file in the same folder,
 * fsync, rename over the target, fsync the folder. */
int
nb_file_write_atomic(const char *path, const char *data, size_t len)
{
	char   tmp[PATH_MAX], dir[PATH_MAX];
	int    fd, dfd, rc = 0;
	size_t off = 0;

	/* One fixed temporary name: a daemon killed half-way through leaves at
	 * most this one file behind, which the next save truncates and reuses
	 * (a per-process name piled up one file per crash). The loop thread is
	 * the only writer. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = -errno;
		goto out;
	}
out:
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int
nb_startup_read(struct lyd_node **out, struct nb_err *err)
{
	*out = NULL;
	if (!nb_startup[0]) {
		nb_err_set(err, "", "no startup file is configured");
		return -ENOENT;
	}
	if (access(nb_startup, F_OK) != 0)
		return 0; /* deleted startup: empty */
	return nb_config_parse_file(nb_startup, out, err);
}

int
nb_startup_write(const struct lyd_node *tree, struct nb_err *err)
{
	char *data = NULL;
	int   rc;

	if (!nb_startup[0]) {
		nb_err_set(err, "", "no startup file is configured");
		return -ENOENT;
	}
	if (lyd_print_mem(&data, tree, nb_format_guess(nb_startup, NULL),
		LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS) {
		nb_err_from_ly(err, "print");
		return -EINVAL;
	}
	rc = nb_file_write_atomic(nb_startup, data ? data : "", data ? strlen(data) : 0);
	free(data);
	if (rc != 0)
		nb_err_set(err, nb_startup, "cannot write the startup file: %s", strerror(-rc));
	return rc;
}

int
nb_startup_save(struct nb_err *err)
{
	return nb_startup_write(nb_run, err);
}

int
nb_startup_delete(struct nb_err *err)
{
	if (!nb_startup[0]) {
		nb_err_set(err, "", "no startup file is configured");
		return -ENOENT;
	}
	if (unlink(nb_startup) != 0 && errno != ENOENT) {
		nb_err_set(err, nb_startup, "cannot delete the startup file: %s",
		    strerror(errno));
		return -errno;
	}
	return 0;
}

int
nb_state_get(const char *xpath, struct lyd_node **out, struct nb_err *err)
{
	const struct lys_module *mod = ly_ctx_get_module_implemented(nb_ly, "hybridgw");
	struct lyd_node		*root = NULL;
	char			 buf[32];
	int			 rc;

	if (lyd_new_inner(NULL, mod, "gateway-state", 0, &root) != LY_SUCCESS ||
	    lyd_new_term(root, NULL, "version", HGW_VERSION, 0, NULL) != LY_SUCCESS)
		goto lyerr;
	snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)((mono_ms() - nb_started_ms) / 1000));
	if (lyd_new_term(root, NULL, "uptime", buf, 0, NULL) != LY_SUCCESS)
		goto lyerr;
	if (nb_startup[0] &&
	    lyd_new_term(root, NULL, "config-source", nb_startup, 0, NULL) != LY_SUCCESS)
		goto lyerr;
	for (size_t i = 0; i < nb_nmods; i++) {
		if (nb_mods[i]->state && (rc = nb_mods[i]->state(root, xpath, err)) != 0) {
			lyd_free_all(root);
			return rc;
		}
	}
	*out = root;
	return 0;
lyerr:
	nb_err_from_ly(err, "state");
	lyd_free_all(root);
	return -ENOMEM;
}
