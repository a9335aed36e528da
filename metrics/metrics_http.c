/* metrics/metrics_http.c - the /metrics endpoint: libmicrohttpd's thread serves, the loop thread collects. */
/* SPDX-License-Identifier: ISC */
#include "metrics/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/mailbox.h"

#define METRICS_CONN_MAX       16 /* scrapers are few; a flood is turned away */
#define METRICS_CONN_TIMEOUT_S 10
#define METRICS_CTYPE	       "text/plain; version=0.0.4; charset=utf-8"

/*
 * A scrape: the HTTP thread suspends the connection and posts the request
 * to the loop; the loop writes the text and resumes the connection; the
 * HTTP thread sends it. The request belongs to the connection (freed when
 * MHD reports it completed), never to the mailbox.
 */
struct metrics_req {
	struct mailbox_msg     msg;
	struct metrics_server *srv;
	struct MHD_Connection *conn;
	char		      *text; /* malloc'd by open_memstream */
	size_t		       len;
	int		       rc;
	bool		       posted, done;
};

struct metrics_server {
	struct MHD_Daemon *mhd;
	struct mailbox	  *mb; /* HTTP thread -> loop */
	metrics_collect_fn collect;
	void		  *arg;
	uint16_t	   port;
	pthread_mutex_t	   mtx; /* closing */
	bool		   closing;
	uint64_t	   scrapes; /* loop thread */
};

/* On the loop thread. */
static int
metrics_req_collect(struct mailbox_msg *m, void *arg)
{
	struct metrics_req    *r = mailbox_entry(m, struct metrics_req, msg);
	struct metrics_server *s = r->srv;
	FILE		      *f = open_memstream(&r->text, &r->len);

	if (!f)
		r->rc = -ENOMEM;
	else {
		r->rc = s->collect(f, s->arg);
		if (fclose(f) != 0 && r->rc == 0)
			r->rc = -ENOMEM;
	}
	s->scrapes++;
	r->done = true;
	MHD_resume_connection(r->conn);
	return 0;
}

static enum MHD_Result
metrics_reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result	     ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The HTTP thread: called at the request's start, then again once the
 * loop resumed the connection. */
static enum MHD_Result
metrics_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct metrics_server *s = cls;
	struct metrics_req    *r = *con_cls;
	struct MHD_Response   *resp;
	enum MHD_Result	       ret;
	bool		       posted = false;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return metrics_reply(conn, MHD_HTTP_NOT_FOUND,
		    "hybridgw: metrics are at /metrics\n");
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->srv = s;
		r->conn = conn;
		r->msg.fn = metrics_req_collect;
		r->msg.weight = 1;
		*con_cls = r;
		pthread_mutex_lock(&s->mtx);
		if (!s->closing) {
			MHD_suspend_connection(conn);
			if (mailbox_post(s->mb, &r->msg) == 0)
				posted = r->posted = true;
			else
				MHD_resume_connection(conn);
		}
		pthread_mutex_unlock(&s->mtx);
		if (!posted)
			return metrics_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "stopping\n");
		return MHD_YES;
	}
	if (!r->done)
		return MHD_YES;
	if (r->rc != 0 || !r->text)
		return metrics_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "collect failed\n");
	resp = MHD_create_response_from_buffer(r->len, r->text, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	r->text = NULL; /* the response's now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CTYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
metrics_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct metrics_req *r = *con_cls;

	if (!r)
		return;
	free(r->text);
	free(r);
	*con_cls = NULL;
}

/* libmicrohttpd's format strings are its own, checked as printf's */
static void metrics_mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
metrics_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char   buf[256];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_warn(LOG_MOD_CORE, "metrics: %s", buf);
}

int
metrics_server_new(const char *address, uint16_t port, metrics_collect_fn collect, void *arg,
    struct metrics_server **out)
{
	struct metrics_server  *s;
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in     *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6    *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned		flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *di;
	int			    rc;

	*out = NULL;
	if (!address)
		address = "127.0.0.1";
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else
		return -EINVAL;
	if (!loop_get() || !(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	pthread_mutex_init(&s->mtx, NULL);
	s->collect = collect;
	s->arg = arg;
	if (!(s->mb = mailbox_new(METRICS_CONN_MAX))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = mailbox_attach(s->mb, loop_get(), false)) != 0)
		goto fail;
	errno = 0;
	s->mhd = MHD_start_daemon(flags, port, NULL, NULL, metrics_access, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)METRICS_CONN_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)METRICS_CONN_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, metrics_completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, s, MHD_OPTION_END);
	if (!s->mhd) {
		rc = errno ? -errno : -EADDRINUSE;
		goto fail;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : port;
	*out = s;
	return 0;
fail:
	if (s->mb) {
		mailbox_detach(s->mb);
		mailbox_free(s->mb);
	}
	pthread_mutex_destroy(&s->mtx);
	free(s);
	return rc;
}

void
metrics_server_free(struct metrics_server *s)
{
	if (!s)
		return;
	/* No scrape is posted from now on; those queued are answered here,
	 * which resumes their connections before the HTTP thread is joined. */
	pthread_mutex_lock(&s->mtx);
	s->closing = true;
	pthread_mutex_unlock(&s->mtx);
	mailbox_run(s->mb, 0);
	MHD_stop_daemon(s->mhd);
	mailbox_detach(s->mb);
	mailbox_free(s->mb);
	pthread_mutex_destroy(&s->mtx);
	free(s);
}

uint16_t
metrics_server_port(const struct metrics_server *s)
{
	return s->port;
}

uint64_t
metrics_server_scrapes(const struct metrics_server *s)
{
	return s->scrapes;
}
