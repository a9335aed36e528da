/* gateway/gw_alarms.c - raised alarms in the gateway-state tree (outbound prefix limit). */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct alarm_arg {
	struct lyd_node *alarms;
	bool		 ok;
};

static int
alarm_add(void *arg, const struct rib_alarm *al)
{
	struct alarm_arg *a = arg;
	struct lyd_node	 *n = NULL;
	char		  v[16];

	if (lyd_new_list(a->alarms, NULL, "outbound-prefix-limit", 0, &n,
		al->name && al->name[0] ? al->name : "?") != LY_SUCCESS) {
		a->ok = false;
		return 1;
	}
	snprintf(v, sizeof(v), "%u", al->wanted);
	a->ok &= lyd_new_term(n, NULL, "wanted", v, 0, NULL) == LY_SUCCESS;
	snprintf(v, sizeof(v), "%u", al->cap);
	a->ok &= lyd_new_term(n, NULL, "limit", v, 0, NULL) == LY_SUCCESS;
	snprintf(v, sizeof(v), "%u", al->wanted > al->cap ? al->wanted - al->cap : 0);
	a->ok &= lyd_new_term(n, NULL, "withheld", v, 0, NULL) == LY_SUCCESS;
	return a->ok ? 0 : 1;
}

int
gw_alarms_state(struct lyd_node *root, const char *xpath, struct nb_err *err)
{
	struct alarm_arg a = { NULL, true };

	if (!gw.rib ||
	    (xpath && strcmp(xpath, "/hybridgw:gateway-state") != 0 &&
		!strstr(xpath, "gateway-state/alarms") &&
		!strstr(xpath, "gateway-state/failover")))
		return 0;
	if (lyd_new_inner(root, NULL, "alarms", 0, &a.alarms) != LY_SUCCESS)
		goto lyerr;
	rib_alarm_walk(gw.rib, alarm_add, &a);
	if (a.ok)
		return 0;
lyerr:
	nb_err_from_ly(err, "alarms");
	return -ENOMEM;
}
