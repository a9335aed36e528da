/* northbound/nb_stats.c - counters for monitoring: commits and their latency, NETCONF sessions. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_local.h"
#include "northbound/nb_netconf_local.h"

#include <pthread.h>
#include <string.h>

/* Commit latency, microseconds: a small config takes a millisecond, a
 * full table of static prefixes seconds. */
static const uint64_t nb_commit_bounds[] = {
	1000,
	2500,
	5000,
	10000,
	25000,
	50000,
	100000,
	250000,
	500000,
	1000000,
	2500000,
	10000000,
};

static struct {
	bool	     init;
	uint64_t     commits, failures;
	struct histo latency;
} nbs;

static void
nb_stats_init(void)
{
	if (nbs.init)
		return;
	(void)histo_init(&nbs.latency, nb_commit_bounds,
	    sizeof(nb_commit_bounds) / sizeof(nb_commit_bounds[0]));
	nbs.init = true;
}

void
nb_stats_commit(bool ok, uint64_t us)
{
	nb_stats_init();
	if (!ok) {
		nbs.failures++;
		return;
	}
	nbs.commits++;
	histo_add(&nbs.latency, us);
}

void
nb_stats_get(struct nb_stats *st)
{
	uint32_t n = 0;

	nb_stats_init();
	memset(st, 0, sizeof(*st));
	st->commits = nbs.commits;
	st->commit_failures = nbs.failures;
	st->commit_latency = &nbs.latency;
	pthread_mutex_lock(&nbnc_sess_mtx);
	for (struct nbnc_sess *s = nbnc_sess_first(); s; s = s->next)
		n++;
	pthread_mutex_unlock(&nbnc_sess_mtx);
	st->netconf_sessions = n;
	st->netconf_sessions_total = nbnc_stat_sessions_total();
}
