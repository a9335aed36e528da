/* northbound/nb_nc_notify.c - hybridgw-netconf: notification queue, sender thread, replay log and RFC 5277 subscriptions. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "northbound/nb_netconf_local.h"

#define NBNC_REPLAY_MAX	     1024
#define NBNC_REPLAY_DELAY_MS 200 /* let the <ok> of create-subscription go first */

struct nbnc_ev {
	struct lyd_node *tree;
	struct timespec	 ts;
	char		 time[40];
	struct nbnc_ev	*next;
};

struct nbnc_sub {
	uint32_t	   sid;
	struct nbnc_filter flt;
	struct timespec	   start; /* replay from (0 = no replay) */
	time_t		   stop;  /* 0 = until the session ends */
	bool		   replay_pending;
	uint64_t	   replay_at_ms;
	bool		   filter_failed; /* said so in the log once */
	struct nbnc_sub	  *next;
};

static struct {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	bool		 running;
	bool		 stop;
	pthread_t	 thr;
	struct nbnc_ev	*qhead, **qtail;
	struct nbnc_ev	*ring[NBNC_REPLAY_MAX];
	size_t		 rfirst, rcount;
	time_t		 since;
	struct nbnc_sub *subs;
} nt = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
nbnc_time_fmt(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char	  s[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%03dZ", s, (int)(ts->tv_nsec / 1000000 % 1000));
}

/* RFC 3339 date-and-time to a timespec; -EINVAL on garbage. */
static int
nbnc_time_parse(const char *s, struct timespec *ts)
{
	struct tm   tm = { 0 };
	int	    n = 0, oh = 0, om = 0;
	long	    frac = 0, scale = 1000000000;
	time_t	    t;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		&tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	t = timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
		int sign = *p == '+' ? 1 : -1;

		t -= sign * (oh * 3600 + om * 60);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	ts->tv_sec = t;
	ts->tv_nsec = frac;
	return 0;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/* ------------------------------------------------------------- sending */

static void
nbnc_sub_free(struct nbnc_sub *s)
{
	nbnc_filter_free(&s->flt);
	free(s);
}

/* Send one event to one session (filtered). Holds a session reference,
 * not the table lock: a slow client must not stall other sessions' RPCs. */
static void
nbnc_ev_send(struct nbnc_sub *sub, const struct lyd_node *tree, const char *time)
{
	struct nbnc_sess       *s;
	struct lyd_node	       *copy = NULL, *out = NULL;
	struct nbnc_errs	errs = { 0 };
	struct nc_server_notif *n;
	char		       *t = NULL;

	if (sub->flt.subtree || sub->flt.xpath || sub->flt.empty) {
		if (lyd_dup_single(tree, NULL, LYD_DUP_RECURSIVE, &copy) != LY_SUCCESS)
			return;
		if (nbnc_filter_apply(&sub->flt, copy, &out, &errs) != 0 &&
		    !sub->filter_failed) {
			/* the event is not sent: never silently */
			sub->filter_failed = true;
			log_warn(LOG_MOD_NB,
			    "netconf: session %u: the subscription's filter failed on an event "
			    "(%s); the events it fails on are not sent to it",
			    sub->sid, errs.n ? errs.v[0].msg : "no reason given");
		}
		nbnc_errs_free(&errs);
		if (!out)
			return;
		/* on failure libnetconf2 frees neither: both are still ours */
		if (!(t = strdup(time)) ||
		    !(n = nc_server_notif_new(out, t, NC_PARAMTYPE_FREE))) {
			free(t);
			lyd_free_all(out);
			return;
		}
	} else {
		n = nc_server_notif_new((struct lyd_node *)tree, (char *)time,
		    NC_PARAMTYPE_CONST);
	}
	if (!n)
		return;
	if ((s = nbnc_sess_get(sub->sid))) {
		bool sent = s->nc && nc_server_notif_send(s->nc, n, 2000) == NC_MSG_NOTIF;

		pthread_mutex_lock(&nbnc_sess_mtx);
		s->out_notifs += sent;
		pthread_mutex_unlock(&nbnc_sess_mtx);
		nbnc_sess_put(s);
	}
	nc_server_notif_free(n);
}

static struct lyd_node *
nbnc_ncnotif(const char *name)
{
	const struct lys_module *m =
	    ly_ctx_get_module_implemented(nb_ctx(), "nc-notifications");
	struct lyd_node *n = NULL;

	if (!m || lyd_new_inner(NULL, m, name, 0, &n) != LY_SUCCESS)
		return NULL;
	return n;
}

static void
nbnc_send_marker(struct nbnc_sub *sub, const char *name)
{
	struct lyd_node	  *n = nbnc_ncnotif(name);
	struct timespec	   ts;
	char		   t[40];
	struct nbnc_filter none = { 0 };
	struct nbnc_filter keep = sub->flt;

	if (!n)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	nbnc_time_fmt(&ts, t, sizeof(t));
	sub->flt = none; /* markers are never filtered */
	nbnc_ev_send(sub, n, t);
	sub->flt = keep;
	lyd_free_all(n);
}

static void
nbnc_ring_add(struct nbnc_ev *e)
{
	if (nt.rcount == NBNC_REPLAY_MAX) {
		struct nbnc_ev *old = nt.ring[nt.rfirst];

		lyd_free_all(old->tree);
		free(old);
		nt.rfirst = (nt.rfirst + 1) % NBNC_REPLAY_MAX;
		nt.rcount--;
	}
	nt.ring[(nt.rfirst + nt.rcount) % NBNC_REPLAY_MAX] = e;
	nt.rcount++;
}

static void *
nbnc_notify_main(void *arg)
{
	pthread_mutex_lock(&nt.mtx);
	while (!nt.stop) {
		struct nbnc_ev	*e = nt.qhead;
		struct nbnc_sub *s, **pp;
		uint64_t	 now = now_ms();
		time_t		 wall = time(NULL);

		if (e) {
			nt.qhead = e->next;
			if (!nt.qhead)
				nt.qtail = &nt.qhead;
			e->next = NULL;
			nbnc_ring_add(e);
			/* sending takes the session lock: never under nt.mtx
			 * while create-subscription waits for it; the sub list
			 * is only changed by this thread and under nt.mtx */
			for (s = nt.subs; s; s = s->next) {
				if (s->replay_pending)
					continue; /* the replay will carry it */
				pthread_mutex_unlock(&nt.mtx);
				nbnc_ev_send(s, e->tree, e->time);
				pthread_mutex_lock(&nt.mtx);
			}
			continue;
		}
		for (s = nt.subs; s; s = s->next) {
			if (!s->replay_pending || now < s->replay_at_ms)
				continue;
			s->replay_pending = false;
			for (size_t i = 0; i < nt.rcount; i++) {
				struct nbnc_ev *r = nt.ring[(nt.rfirst + i) % NBNC_REPLAY_MAX];

				if (ts_cmp(&r->ts, &s->start) < 0)
					continue;
				if (s->stop && r->ts.tv_sec > s->stop)
					break;
				nbnc_ev_send(s, r->tree, r->time);
			}
			nbnc_send_marker(s, "replayComplete");
		}
		/* RFC 5277 2.1.1: stopTime ends the subscription */
		for (pp = &nt.subs; (s = *pp);) {
			if (s->stop && !s->replay_pending && wall >= s->stop) {
				*pp = s->next;
				nbnc_send_marker(s, "notificationComplete");
				struct nbnc_sess *ss = nbnc_sess_get(s->sid);
				if (ss) {
					if (ss->nc)
						nc_session_dec_notif_status(ss->nc);
					nbnc_sess_put(ss);
				}
				nbnc_sub_free(s);
				continue;
			}
			pp = &s->next;
		}
		{
			struct timespec until;
			bool		pending = false;

			for (s = nt.subs; s; s = s->next)
				pending |= s->replay_pending;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (pending ? 50 : 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (!nt.qhead && !nt.stop)
				pthread_cond_timedwait(&nt.cv, &nt.mtx, &until);
		}
	}
	pthread_mutex_unlock(&nt.mtx);
	nc_thread_destroy();
	return NULL;
}

/* ---------------------------------------------------------------- API */

static int nbnc_notify_sink(struct lyd_node *, const struct timespec *);

int
nbnc_notify_start(void)
{
	pthread_mutex_lock(&nt.mtx);
	nt.qhead = NULL;
	nt.qtail = &nt.qhead;
	nt.stop = false;
	nt.since = time(NULL);
	pthread_mutex_unlock(&nt.mtx);
	if (pthread_create(&nt.thr, NULL, nbnc_notify_main, NULL) != 0)
		return -EAGAIN;
	nt.running = true;
	nb_notify_sink_set(nbnc_notify_sink);
	return 0;
}

void
nbnc_notify_stop(void)
{
	if (!nt.running)
		return;
	nb_notify_sink_set(NULL);
	pthread_mutex_lock(&nt.mtx);
	nt.stop = true;
	pthread_cond_broadcast(&nt.cv);
	pthread_mutex_unlock(&nt.mtx);
	pthread_join(nt.thr, NULL);
	pthread_mutex_lock(&nt.mtx);
	nt.running = false;
	while (nt.qhead) {
		struct nbnc_ev *e = nt.qhead;

		nt.qhead = e->next;
		lyd_free_all(e->tree);
		free(e);
	}
	nt.qtail = &nt.qhead;
	for (size_t i = 0; i < nt.rcount; i++) {
		struct nbnc_ev *e = nt.ring[(nt.rfirst + i) % NBNC_REPLAY_MAX];

		lyd_free_all(e->tree);
		free(e);
	}
	nt.rcount = nt.rfirst = 0;
	while (nt.subs) {
		struct nbnc_sub *s = nt.subs;

		nt.subs = s->next;
		nbnc_sub_free(s);
	}
	pthread_mutex_unlock(&nt.mtx);
}

bool
nbnc_notify_active(void)
{
	return nt.running;
}

bool
nbnc_notify_has_subscribers(void)
{
	bool any;

	pthread_mutex_lock(&nt.mtx);
	any = nt.subs != NULL;
	pthread_mutex_unlock(&nt.mtx);
	return any;
}

bool
nbnc_notify_replay_supported(void)
{
	return true;
}

time_t
nbnc_notify_replay_since(void)
{
	return nt.since;
}

/* The sink of nb_notify_send() in this process, and what the routing
 * process sends (at its time; replayed ones only into the log). */
int
nbnc_notify_post(struct lyd_node *notif, const struct timespec *when, bool replay_only)
{
	struct nbnc_ev *e;

	if (!notif)
		return -EINVAL;
	if (!(e = calloc(1, sizeof(*e)))) {
		lyd_free_all(notif);
		return -ENOMEM;
	}
	e->tree = notif;
	e->ts = *when;
	nbnc_time_fmt(&e->ts, e->time, sizeof(e->time));
	pthread_mutex_lock(&nt.mtx);
	if (!nt.running) {
		pthread_mutex_unlock(&nt.mtx);
		lyd_free_all(notif);
		free(e);
		return 0;
	}
	if (replay_only) {
		nbnc_ring_add(e);
	} else {
		*nt.qtail = e;
		nt.qtail = &e->next;
		pthread_cond_signal(&nt.cv);
	}
	pthread_mutex_unlock(&nt.mtx);
	return 0;
}

static int
nbnc_notify_sink(struct lyd_node *notif, const struct timespec *when)
{
	return nbnc_notify_post(notif, when, false);
}

int
nbnc_notify_subscribe(uint32_t sid, struct nbnc_filter *flt, const char *start,
    const char *stop, struct nbnc_errs *errs)
{
	struct nbnc_sub *s;
	struct timespec	 now, ts_start = { 0 }, ts_stop = { 0 };

	clock_gettime(CLOCK_REALTIME, &now);
	if (start && nbnc_time_parse(start, &ts_start) != 0) {
		nbnc_errs_add(errs, NC_ERR_BAD_ELEM,
		    "/notifications:create-subscription/startTime", "startTime",
		    "startTime is not a valid date-and-time");
		return -EINVAL;
	}
	if (stop && nbnc_time_parse(stop, &ts_stop) != 0) {
		nbnc_errs_add(errs, NC_ERR_BAD_ELEM,
		    "/notifications:create-subscription/stopTime", "stopTime",
		    "stopTime is not a valid date-and-time");
		return -EINVAL;
	}
	/* RFC 5277 2.1.1 */
	if (stop && !start) {
		nbnc_errs_add(errs, NC_ERR_MISSING_ELEM,
		    "/notifications:create-subscription/startTime", "startTime",
		    "stopTime needs startTime");
		return -EINVAL;
	}
	if (start && ts_cmp(&ts_start, &now) > 0) {
		nbnc_errs_add(errs, NC_ERR_BAD_ELEM,
		    "/notifications:create-subscription/startTime", "startTime",
		    "startTime is in the future");
		return -EINVAL;
	}
	if (stop && ts_cmp(&ts_stop, &ts_start) < 0) {
		nbnc_errs_add(errs, NC_ERR_BAD_ELEM,
		    "/notifications:create-subscription/stopTime", "stopTime",
		    "stopTime is before startTime");
		return -EINVAL;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->sid = sid;
	s->flt = *flt;
	memset(flt, 0, sizeof(*flt));
	s->start = ts_start;
	s->stop = stop ? (ts_stop.tv_sec ? ts_stop.tv_sec : 1) : 0;
	s->replay_pending = start != NULL;
	s->replay_at_ms = now_ms() + NBNC_REPLAY_DELAY_MS;
	pthread_mutex_lock(&nt.mtx);
	for (struct nbnc_sub *o = nt.subs; o; o = o->next) {
		if (o->sid == sid) {
			pthread_mutex_unlock(&nt.mtx);
			nbnc_errs_add(errs, NC_ERR_IN_USE, "", NULL,
			    "this session already has a subscription");
			nbnc_sub_free(s);
			return -EBUSY;
		}
	}
	s->next = nt.subs;
	nt.subs = s;
	pthread_cond_signal(&nt.cv);
	pthread_mutex_unlock(&nt.mtx);
	return 0;
}

void
nbnc_notify_session_gone(uint32_t sid)
{
	struct nbnc_sub *s, **pp;

	pthread_mutex_lock(&nt.mtx);
	for (pp = &nt.subs; (s = *pp);) {
		if (s->sid == sid) {
			*pp = s->next;
			nbnc_sub_free(s);
			continue;
		}
		pp = &s->next;
	}
	pthread_mutex_unlock(&nt.mtx);
}
