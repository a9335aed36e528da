/* northbound/nb_ctl.c - the hybridgwctl control socket: requests in, tables or YANG JSON out. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_ctl_req.h"
#include "northbound/nb_monitor.h"

/*
 * Protocol: the client writes one request line of space-separated words,
 * optionally followed by a body (a config file's text), then shuts down its
 * write side. The server answers with one status byte ('0' ok, '1' error)
 * and the output text, then closes. One request per connection keeps both
 * sides trivial and lets shell tools (socat) talk to it. The request is
 * decoded by nb_ctl_req.c (pure, fuzzed): the socket stays in the routing
 * process (docs/northbound.md says why), so a bad request is refused, never
 * truncated or guessed at. "monitor" is the one long-lived request: the
 * connection then streams events (nb_monitor.c, which bounds what a slow
 * reader may hold) until either side closes it; it has no idle limit.
 */

/*
 * Bounds, so that local clients cannot exhaust the daemon: at most
 * CTL_MAX_CLIENTS connections (more get "1too many clients" and are
 * closed), at most CTL_MAX_BUFFERED bytes of requests held across all of
 * them (a request that would go over is refused like one over
 * NB_CTL_MAX_REQ), and no connection lives longer than CTL_IDLE_MS without
 * progress: reading its request, or with its reply waiting for a client
 * that reads nothing. Writes never block the loop (libuv queues what the
 * socket does not take); the timer frees what such a client holds.
 */
#define CTL_MAX_CLIENTS	 32
#define CTL_MAX_BUFFERED ((size_t)256 << 20)
#define CTL_IDLE_MS	 30000

struct ctl_conn {
	uv_pipe_t	       pipe;
	uv_timer_t	       timer;	/* no progress for CTL_IDLE_MS: closed */
	int		       handles; /* open libuv handles; freed at 0 */
	bool		       closing;
	char		      *buf;
	size_t		       len, cap;
	uv_write_t	       wreq;
	char		      *reply;
	struct nb_monitor_sub *mon; /* a monitor's subscription */
};

static uv_pipe_t ctl_server;
static char	 ctl_path[108];
static bool	 ctl_open;
static unsigned	 ctl_clients;
static size_t	 ctl_buffered; /* sum of the connections' cap */

static void
ctl_handle_closed(uv_handle_t *h)
{
	struct ctl_conn *c = h->data;

	if (--c->handles > 0)
		return;
	ctl_buffered -= c->cap;
	ctl_clients--;
	nb_monitor_sub_free(c->mon);
	free(c->buf);
	free(c->reply);
	free(c);
}

static void
ctl_close(struct ctl_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->timer, ctl_handle_closed);
	uv_close((uv_handle_t *)&c->pipe, ctl_handle_closed);
}

static void
ctl_idle(uv_timer_t *t)
{
	struct ctl_conn *c = t->data;

	log_info(LOG_MOD_NB, "control socket: a client made no progress for %u s, closed",
	    CTL_IDLE_MS / 1000);
	ctl_close(c);
}

static void
ctl_written(uv_write_t *w, int status)
{
	struct ctl_conn *c = w->data;

	ctl_close(c);
}

static void
ctl_reply(struct ctl_conn *c, bool ok, char *text)
{
	size_t	 n = text ? strlen(text) : 0;
	uv_buf_t b;

	c->reply = malloc(n + 2);
	if (!c->reply) {
		free(text);
		ctl_close(c);
		return;
	}
	c->reply[0] = ok ? '0' : '1';
	if (n)
		memcpy(c->reply + 1, text, n);
	c->reply[n + 1] = '\0';
	free(text);
	b = uv_buf_init(c->reply, (unsigned)(n + 1));
	c->wreq.data = c;
	uv_timer_start(&c->timer, ctl_idle, CTL_IDLE_MS, 0);
	if (uv_write(&c->wreq, (uv_stream_t *)&c->pipe, &b, 1, ctl_written) != 0)
		ctl_close(c);
}

static void
ctl_refuse(struct ctl_conn *c, const char *why)
{
	char *t = strdup(why);

	uv_read_stop((uv_stream_t *)&c->pipe);
	ctl_reply(c, false, t);
}

static void
ctl_conn_close(void *arg)
{
	ctl_close(arg);
}

/* "monitor [--json]": the connection becomes an event stream. */
static bool
ctl_monitor(struct ctl_conn *c, int nw, char **words)
{
	bool json = false;

	if (nw < 1 || strcmp(words[0], "monitor") != 0)
		return false;
	for (int i = 1; i < nw; i++)
		json |= strcmp(words[i], "--json") == 0;
	if (nb_monitor_sub_add((uv_stream_t *)&c->pipe, json, ctl_conn_close, c, &c->mon) != 0)
		ctl_reply(c, false, strdup("cannot start a monitor\n"));
	else
		uv_timer_stop(&c->timer); /* a stream, not a request: no idle limit */
	return true;
}

static void
ctl_dispatch(struct ctl_conn *c)
{
	struct nb_ctl_req req;
	enum nb_ctl_err	  e;
	char		 *words[NB_CTL_MAX_WORDS], *w, *out = NULL;
	bool		  ok;

	/* the buffer holds len bytes and a NUL after them (ctl_read) */
	e = nb_ctl_req_decode(wire_rd_init(c->buf, c->len), &req);
	if (e != NB_CTL_OK) {
		char *m = NULL;

		log_info(LOG_MOD_NB, "control socket: refused: %s", nb_ctl_err_str(e));
		if (asprintf(&m, "%s\n", nb_ctl_err_str(e)) < 0)
			m = NULL;
		ctl_reply(c, false, m);
		return;
	}
	/* words copied out NUL-terminated: at most the line, plus a NUL each */
	if (!(w = malloc(NB_CTL_MAX_LINE + NB_CTL_MAX_WORDS + 1))) {
		ctl_reply(c, false, NULL);
		return;
	}
	for (int i = 0, off = 0; i < req.nw; i++) {
		words[i] = w + off;
		memcpy(words[i], req.word[i].p, req.word[i].len);
		words[i][req.word[i].len] = '\0';
		off += (int)req.word[i].len + 1;
	}
	if (ctl_monitor(c, req.nw, words)) {
		free(w);
		return;
	}
	ok = nb_show_request(req.nw, words, req.body.len ? (const char *)req.body.p : "",
		 &out) == 0;
	free(w);
	ctl_reply(c, ok, out);
}

static void
ctl_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct ctl_conn *c = h->data;

	if (c->cap - c->len < 65536) {
		size_t ncap = c->cap ? c->cap * 2 : 65536 + 1;
		char  *nb;

		if (ncap > NB_CTL_MAX_REQ + 1 ||
		    ctl_buffered - c->cap + ncap > CTL_MAX_BUFFERED ||
		    !(nb = realloc(c->buf, ncap))) {
			*b = uv_buf_init(NULL, 0); /* ctl_read gets UV_ENOBUFS */
			return;
		}
		ctl_buffered += ncap - c->cap;
		c->buf = nb;
		c->cap = ncap;
	}
	*b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len - 1));
}

static void
ctl_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct ctl_conn *c = s->data;

	if (n > 0) {
		c->len += (size_t)n;
		uv_timer_again(&c->timer);
		return;
	}
	if (n == 0)
		return;
	uv_read_stop(s);
	if (n == UV_ENOBUFS) {
		log_warn(LOG_MOD_NB,
		    "control socket: a request over %u MiB (or the %zu MiB "
		    "all clients may buffer) refused",
		    NB_CTL_MAX_REQ >> 20, CTL_MAX_BUFFERED >> 20);
		ctl_refuse(c, "request too large");
		return;
	}
	if (n != UV_EOF || !c->buf) {
		ctl_close(c);
		return;
	}
	c->buf[c->len] = '\0';
	ctl_dispatch(c);
}

static void
ctl_accept(uv_stream_t *srv, int status)
{
	struct ctl_conn *c;

	if (status < 0 || !(c = calloc(1, sizeof(*c))))
		return;
	ctl_clients++;
	uv_pipe_init(loop_get(), &c->pipe, 0);
	uv_timer_init(loop_get(), &c->timer);
	c->handles = 2;
	c->pipe.data = c->timer.data = c;
	if (uv_accept(srv, (uv_stream_t *)&c->pipe) != 0) {
		ctl_close(c);
		return;
	}
	uv_timer_start(&c->timer, ctl_idle, CTL_IDLE_MS, CTL_IDLE_MS);
	if (ctl_clients > CTL_MAX_CLIENTS) {
		log_warn(LOG_MOD_NB, "control socket: more than %u clients, one refused",
		    CTL_MAX_CLIENTS);
		ctl_refuse(c, "too many clients");
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->pipe, ctl_alloc, ctl_read) != 0)
		ctl_close(c);
}

int
nb_ctl_start(const char *path)
{
	int rc;

	if (strlen(path) >= sizeof(ctl_path))
		return -ENAMETOOLONG;
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	unlink(path);
	if ((rc = uv_pipe_init(loop_get(), &ctl_server, 0)) != 0)
		return rc;
	/* Group may talk to the daemon, others may not (bind honours umask). */
	mode_t old = umask(0117);

	rc = uv_pipe_bind(&ctl_server, path);
	umask(old);
	if (rc == 0 && chmod(path, 0660) != 0)
		rc = -errno;
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&ctl_server, 16, ctl_accept);
	if (rc != 0) {
		uv_close((uv_handle_t *)&ctl_server, NULL);
		return rc;
	}
	ctl_open = true;
	return 0;
}

void
nb_ctl_stop(void)
{
	if (!ctl_open)
		return;
	uv_close((uv_handle_t *)&ctl_server, NULL);
	unlink(ctl_path);
	ctl_open = false;
}
