/* northbound/nb_nc_yang.c - the NETCONF YANG modules both processes load, and the -n LISTEN syntax both read. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "northbound/nb_nc_users.h"

static bool inited;

int
nb_netconf_init(struct nb_err *err)
{
	static const char *const nc_features[] = { "writable-running", "candidate",
		"confirmed-commit", "rollback-on-error", "validate", "startup", "xpath", NULL };
	static const struct {
		const char	  *name, *rev;
		const char *const *feat;
	} mods[] = {
		{ "ietf-netconf", "2013-09-29", nc_features },
		{ "ietf-netconf-with-defaults", "2011-06-01", NULL },
		{ "ietf-netconf-monitoring", "2010-10-04", NULL },
		{ "notifications", "2008-07-14", NULL },
		{ "nc-notifications", "2008-07-14", NULL },
		{ "ietf-netconf-notifications", "2012-02-06", NULL },
		{ NBNC_MOD, NULL, NULL },
	};
	struct ly_ctx *ctx = nb_ctx();

	if (inited)
		return 0;
	/* libyang's date-and-time checks call mktime(); with TZ unset glibc
	 * stats /etc/localtime on every call (one per RIB route in a <get>:
	 * 110,000 syscalls). Same zone, read once. Still single-threaded here. */
	if (!getenv("TZ")) {
		setenv("TZ", ":/etc/localtime", 0);
		tzset();
	}
	if (!ctx) {
		nb_err_set(err, "", "the YANG context is not initialized");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		const char **f = (const char **)mods[i].feat;

		if (!ly_ctx_load_module(ctx, mods[i].name, mods[i].rev, f)) {
			const struct ly_err_item *e = ly_err_last(ctx);

			nb_err_set(err, mods[i].name, "cannot load YANG module: %s",
			    e && e->msg ? e->msg : "not found");
			return -EINVAL;
		}
	}
	inited = true;
	return 0;
}

int
nb_netconf_listen_parse(const char *s, char *addr, size_t len, uint16_t *port)
{
	char buf[128], *p;
	long v;

	addr[0] = '\0';
	*port = 0;
	if (!s || snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	if (buf[0] == '[' && (p = strchr(buf, ']'))) {
		*p = '\0';
		snprintf(addr, len, "%s", buf + 1);
		if (p[1] == '\0')
			return 0;
		if (p[1] != ':')
			return -EINVAL;
		p += 2;
	} else if ((p = strrchr(buf, ':')) && strchr(buf, ':') == p) {
		*p++ = '\0';
		snprintf(addr, len, "%s", buf);
	} else if (buf[0] && strspn(buf, "0123456789") == strlen(buf)) {
		p = buf;
	} else {
		snprintf(addr, len, "%s", buf);
		return 0;
	}
	v = strtol(p, NULL, 10);
	if (!*p || strspn(p, "0123456789") != strlen(p) || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}
