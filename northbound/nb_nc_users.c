/* northbound/nb_nc_users.c - read the NETCONF users, their keys and roles, and the listen endpoint from a configuration. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_nc_users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>
#include <openssl/crypto.h>

#define NBNC_CFG_XPATH "/hybridgw:gateway/" NBNC_MOD ":netconf"

void
nbnc_users_free(struct nbnc_users *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i].hash) {
			OPENSSL_cleanse(u->v[i].hash, strlen(u->v[i].hash));
			free(u->v[i].hash);
		}
		for (size_t k = 0; k < u->v[i].nkeys; k++)
			free(u->v[i].keys[k].b64);
		free(u->v[i].keys);
	}
	free(u->v);
	free(u);
}

static const char *
nbnc_child_value(const struct lyd_node *parent, const char *name)
{
	struct lyd_node *c = NULL;

	if (lyd_find_path(parent, name, 0, &c) != LY_SUCCESS || !c)
		return NULL;
	return lyd_get_value(c);
}

static enum nbnc_role
nbnc_role_parse(const char *s)
{
	if (s && strcmp(s, "admin") == 0)
		return NBNC_ROLE_ADMIN;
	if (s && strcmp(s, "operator") == 0)
		return NBNC_ROLE_OPERATOR;
	return NBNC_ROLE_VIEWER;
}

const char *
nbnc_role_name(enum nbnc_role r)
{
	switch (r) {
	case NBNC_ROLE_ADMIN:
		return "admin";
	case NBNC_ROLE_OPERATOR:
		return "operator";
	default:
		return "viewer";
	}
}

/* Build the user table from a configuration; err names the bad node. */
int
nbnc_users_from_cfg(const struct lyd_node *cfg, struct nbnc_users **out, struct nb_err *err)
{
	struct nbnc_users *u;
	struct ly_set	  *set = NULL;
	struct lyd_node	  *ncnode = NULL;
	const char	  *v;
	int		   rc = 0;

	if (!(u = calloc(1, sizeof(*u))))
		return -ENOMEM;
	/* NBNC_CFG_XPATH, by a walk of two levels: an XPath evaluation
	 * visits every child of gateway, twice per commit */
	for (const struct lyd_node *top = cfg ? lyd_first_sibling(cfg) : NULL; top && !ncnode;
	     top = top->next) {
		struct lyd_node *c;

		if (!top->schema || strcmp(top->schema->name, "gateway") != 0 ||
		    strcmp(top->schema->module->name, "hybridgw") != 0)
			continue;
		LY_LIST_FOR(lyd_child(top), c)
			if (c->schema && strcmp(c->schema->name, "netconf") == 0 &&
			    strcmp(c->schema->module->name, NBNC_MOD) == 0) {
				ncnode = c;
				break;
			}
	}
	if (!ncnode)
		goto out;
	if ((v = nbnc_child_value(ncnode, "listen/address")))
		snprintf(u->addr, sizeof(u->addr), "%s", v);
	if ((v = nbnc_child_value(ncnode, "listen/port")))
		u->port = (uint16_t)atoi(v);
	if ((v = nbnc_child_value(ncnode, "idle-timeout")))
		u->idle = (uint16_t)atoi(v);
	if (lyd_find_xpath(ncnode, "user", &set) != LY_SUCCESS) {
		rc = -ENOMEM;
		goto out;
	}
	if (set->count && !(u->v = calloc(set->count, sizeof(*u->v)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < set->count; i++) {
		struct nbnc_user *usr = &u->v[u->n++];
		struct ly_set	 *ks = NULL;

		snprintf(usr->name, sizeof(usr->name), "%s",
		    nbnc_child_value(set->dnodes[i], "name"));
		usr->role = nbnc_role_parse(nbnc_child_value(set->dnodes[i], "role"));
		if ((v = nbnc_child_value(set->dnodes[i], "password")) &&
		    !(usr->hash = strdup(v))) {
			rc = -ENOMEM;
			goto out;
		}
		if (lyd_find_xpath(set->dnodes[i], "authorized-key", &ks) != LY_SUCCESS) {
			rc = -ENOMEM;
			goto out;
		}
		if (ks->count && !(usr->keys = calloc(ks->count, sizeof(*usr->keys)))) {
			ly_set_free(ks, NULL);
			rc = -ENOMEM;
			goto out;
		}
		for (uint32_t k = 0; k < ks->count; k++) {
			struct nbnc_key *key = &usr->keys[usr->nkeys];
			const char	*alg = nbnc_child_value(ks->dnodes[k], "algorithm");
			const char	*b64 = nbnc_child_value(ks->dnodes[k], "key-data");
			ssh_key		 sk = NULL;

			snprintf(key->alg, sizeof(key->alg), "%s", alg ? alg : "");
			if (!b64 ||
			    ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(key->alg),
				&sk) != SSH_OK) {
				char *p = lyd_path(ks->dnodes[k], LYD_PATH_STD, NULL, 0);

				nb_err_set(err, p ? p : NBNC_CFG_XPATH,
				    "key-data is not a valid %s public key", key->alg);
				free(p);
				ly_set_free(ks, NULL);
				rc = -EINVAL;
				goto out;
			}
			ssh_key_free(sk);
			if (!(key->b64 = strdup(b64))) {
				ly_set_free(ks, NULL);
				rc = -ENOMEM;
				goto out;
			}
			usr->nkeys++;
		}
		ly_set_free(ks, NULL);
	}
out:
	ly_set_free(set, NULL);
	if (rc != 0) {
		nbnc_users_free(u);
		return rc;
	}
	*out = u;
	return 0;
}
