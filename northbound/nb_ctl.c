/* northbound/nb_ctl.c - the hybridgwctl control socket: requests in, tables or YANG JSON out. */
#include "northbound/nb_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_monitor.h"

/*
 * Protocol: the client writes one request line of space-separated words,
 * optionally followed by a body (a config file's text), then shuts down its
 * write side. The server answers with one status byte ('0' ok, '1' error)
 * and the output text, then closes. One request per connection keeps both
 * sides trivial and lets shell tools (socat) talk to it. "monitor" is the
 * one long-lived request: the connection then streams events
 * (nb_monitor.c) until either side closes it.
 */
#define CTL_MAX_REQ	(64u << 20)	/* a config file with many prefixes */
#define CTL_MAX_WORDS	16

struct ctl_conn {
	uv_pipe_t	 pipe;
	char		*buf;
	size_t		 len, cap;
	uv_write_t	 wreq;
	char		*reply;
	struct nb_monitor_sub *mon;	/* a monitor's subscription */
};

static uv_pipe_t	 ctl_server;
static char		 ctl_path[108];
static bool		 ctl_open;

static void
ctl_conn_closed(uv_handle_t *h)
{
	struct ctl_conn	*c = h->data;

	nb_monitor_sub_free(c->mon);
	free(c->buf);
	free(c->reply);
	free(c);
}

static void
ctl_written(uv_write_t *w, int status)
{
	struct ctl_conn	*c = w->data;

	uv_close((uv_handle_t *)&c->pipe, ctl_conn_closed);
}

static void
ctl_reply(struct ctl_conn *c, bool ok, char *text)
{
	size_t		 n = text ? strlen(text) : 0;
	uv_buf_t	 b;

	c->reply = malloc(n + 2);
	if (!c->reply) {
		free(text);
		uv_close((uv_handle_t *)&c->pipe, ctl_conn_closed);
		return;
	}
	c->reply[0] = ok ? '0' : '1';
	if (n)
		memcpy(c->reply + 1, text, n);
	c->reply[n + 1] = '\0';
	free(text);
	b = uv_buf_init(c->reply, (unsigned)(n + 1));
	c->wreq.data = c;
	if (uv_write(&c->wreq, (uv_stream_t *)&c->pipe, &b, 1, ctl_written) != 0)
		uv_close((uv_handle_t *)&c->pipe, ctl_conn_closed);
}

static void
ctl_conn_close(void *arg)
{
	struct ctl_conn	*c = arg;

	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, ctl_conn_closed);
}

/* "monitor [--json]": the connection becomes an event stream. */
static bool
ctl_monitor(struct ctl_conn *c, int nw, char **words)
{
	bool	 json = false;

	if (nw < 1 || strcmp(words[0], "monitor") != 0)
		return false;
	for (int i = 1; i < nw; i++)
		json |= strcmp(words[i], "--json") == 0;
	if (nb_monitor_sub_add((uv_stream_t *)&c->pipe, json, ctl_conn_close, c, &c->mon) != 0)
		ctl_reply(c, false, strdup("cannot start a monitor\n"));
	return true;
}

static void
ctl_dispatch(struct ctl_conn *c)
{
	char		*words[CTL_MAX_WORDS], *line, *body, *save = NULL, *tok;
	int		 nw = 0;
	char		*out = NULL;
	bool		 ok;

	line = c->buf;
	body = strchr(line, '\n');
	if (body)
		*body++ = '\0';
	else
		body = line + strlen(line);
	for (tok = strtok_r(line, " \t", &save); tok && nw < CTL_MAX_WORDS;
	    tok = strtok_r(NULL, " \t", &save))
		words[nw++] = tok;
	if (ctl_monitor(c, nw, words))
		return;
	ok = nb_show_request(nw, words, body, &out) == 0;
	ctl_reply(c, ok, out);
}

static void
ctl_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct ctl_conn	*c = h->data;

	if (c->cap - c->len < 65536) {
		size_t	 ncap = c->cap ? c->cap * 2 : 65536 + 1;
		char	*nb;

		if (ncap > CTL_MAX_REQ + 1 || !(nb = realloc(c->buf, ncap))) {
			*b = uv_buf_init(NULL, 0);
			return;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	*b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len - 1));
}

static void
ctl_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct ctl_conn	*c = s->data;

	if (n > 0) {
		c->len += (size_t)n;
		return;
	}
	if (n == 0)
		return;
	uv_read_stop(s);
	if (n != UV_EOF || !c->buf) {
		uv_close((uv_handle_t *)&c->pipe, ctl_conn_closed);
		return;
	}
	c->buf[c->len] = '\0';
	ctl_dispatch(c);
}

static void
ctl_accept(uv_stream_t *srv, int status)
{
	struct ctl_conn	*c;

	if (status < 0 || !(c = calloc(1, sizeof(*c))))
		return;
	uv_pipe_init(loop_get(), &c->pipe, 0);
	c->pipe.data = c;
	if (uv_accept(srv, (uv_stream_t *)&c->pipe) != 0 ||
	    uv_read_start((uv_stream_t *)&c->pipe, ctl_alloc, ctl_read) != 0)
		uv_close((uv_handle_t *)&c->pipe, ctl_conn_closed);
}

int
nb_ctl_start(const char *path)
{
	int	 rc;

	if (strlen(path) >= sizeof(ctl_path))
		return -ENAMETOOLONG;
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	unlink(path);
	if ((rc = uv_pipe_init(loop_get(), &ctl_server, 0)) != 0)
		return rc;
	/* Group may talk to the daemon, others may not (bind honours umask). */
	mode_t	 old = umask(0117);

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
