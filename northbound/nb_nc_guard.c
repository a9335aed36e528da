/* northbound/nb_nc_guard.c - every client message is framed, checked and held here before libnetconf2 reads it. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_nc_frame.h"
#include "northbound/nb_netconf_local.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "lib/log.h"

/*
 * libnetconf2 2.0.24 reads a session with ssh_channel_read() and parses the
 * chunk headers itself: "#x12" makes it dereference NULL inside
 * nc_ps_poll(), a chunk without its header does the same, and "#07", a size
 * above 2^32-1 or an end-of-message framed RPC after base:1.1 leave the
 * session hanging. It also answers every message it cannot parse with
 * operation-failed and runs an <rpc> without a message-id. Debian's library
 * cannot be patched here, so hybridgw-netconf defines ssh_channel_read() and
 * ssh_channel_poll_timeout() itself; the executable exports them
 * (daemon/CMakeLists.txt, --dynamic-list) and the dynamic linker binds
 * libnetconf2's calls to them.
 *
 * Per channel, what the client sends is framed (nb_nc_frame.c) and held
 * until a message is complete; nothing of it reaches the library before.
 * Then nbnc_msg_check() (nb_nc_check.c) decides: a good message is handed
 * on as it came; a refused one is replaced by <rpc><refused/></rpc> of
 * hybridgw-netconf (with the same message-id), which the dispatcher answers
 * with the refusal kept for this thread (the poll thread that reads a
 * message is the one that dispatches it), so the rpc-error carries the
 * RFC's tag. A framing error cannot be resynchronised: malformed-message
 * in the session's framing, then the session ends. Other sessions never
 * notice.
 */

#define GUARD_READ 16384

struct buf {
	uint8_t *p;
	size_t	 len, cap;
};

struct guard {
	ssh_channel	ch;
	struct ncf	f;
	bool		closed; /* framing error answered: reads fail */
	struct buf	raw;	/* the message in progress, as framed on the wire */
	struct buf	body;	/* its text (+ NUL) */
	struct buf	out;	/* ready for the library */
	size_t		out_off;
	bool		out_refused; /* out is a <refused/> standing for a message */
	struct nbnc_err refusal;
	uint8_t		in[GUARD_READ]; /* read from libssh, not framed yet */
	size_t		in_len, in_off;
};

typedef int (*read_fn)(ssh_channel, void *, uint32_t, int);
typedef int (*poll_fn)(ssh_channel, int, int);
typedef int (*write_fn)(ssh_channel, const void *, uint32_t);
typedef void (*free_fn)(ssh_channel);

static pthread_mutex_t		guard_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct guard	      **guards;
static size_t			nguards, cguards;
static atomic_ulong		guard_refused, guard_closed;
static __thread struct nbnc_err tl_refusal;
static __thread bool		tl_has_refusal, tl_dropped;

static void *
real_sym(const char *name)
{
	void *p = dlvsym(RTLD_NEXT, name, "LIBSSH_4_5_0");

	return p ? p : dlsym(RTLD_NEXT, name);
}

/*
 * libssh's own functions, resolved once for every thread: the lazy
 * per-function statics they replace were written by one NETCONF thread
 * while another read them (a data race ThreadSanitizer reported).
 */
static struct {
	read_fn	 rd;
	poll_fn	 pl;
	write_fn wr;
	free_fn	 fr;
} real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void
real_resolve(void)
{
	real.rd = (read_fn)real_sym("ssh_channel_read");
	real.pl = (poll_fn)real_sym("ssh_channel_poll_timeout");
	real.wr = (write_fn)real_sym("ssh_channel_write");
	real.fr = (free_fn)real_sym("ssh_channel_free");
}

static inline void
real_get(void)
{
	pthread_once(&real_once, real_resolve);
}

static int
buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t	 cap = b->cap ? b->cap : 4096;
		uint8_t *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(np = realloc(b->p, cap)))
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* The channel's guard, made at its first use. NULL: out of memory. */
static struct guard *
guard_get(ssh_channel ch, bool make)
{
	struct guard *g = NULL;

	pthread_mutex_lock(&guard_mtx);
	for (size_t i = 0; i < nguards; i++)
		if (guards[i]->ch == ch) {
			g = guards[i];
			goto out;
		}
	if (!make)
		goto out;
	if (nguards == cguards) {
		size_t	       nc = cguards ? cguards * 2 : 16;
		struct guard **ng = realloc(guards, nc * sizeof(*ng));

		if (!ng)
			goto out;
		guards = ng;
		cguards = nc;
	}
	if (!(g = calloc(1, sizeof(*g))))
		goto out;
	g->ch = ch;
	ncf_init(&g->f);
	guards[nguards++] = g;
out:
	pthread_mutex_unlock(&guard_mtx);
	return g;
}

static void
guard_drop(ssh_channel ch)
{
	pthread_mutex_lock(&guard_mtx);
	for (size_t i = 0; i < nguards; i++)
		if (guards[i]->ch == ch) {
			struct guard *g = guards[i];

			buf_free(&g->raw);
			buf_free(&g->body);
			buf_free(&g->out);
			free(g);
			guards[i] = guards[--nguards];
			break;
		}
	if (!nguards) {
		free(guards);
		guards = NULL;
		cguards = 0;
	}
	pthread_mutex_unlock(&guard_mtx);
}

/* malformed-message in the framing the client expects, then the session
 * ends. f->err is one of the checker's fixed texts: nothing the client
 * sent is echoed. */
static void
guard_close(struct guard *g)
{
	char body[512], msg[600];
	int  n, m;

	g->closed = true;
	atomic_fetch_add(&guard_closed, 1);
	log_warn(LOG_MOD_NB, "netconf: closing a session: %s", g->f.err);
	real_get();
	if (!real.wr)
		return;
	n = snprintf(body, sizeof(body),
	    "<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
	    "<rpc-error><error-type>rpc</error-type><error-tag>malformed-message</error-tag>"
	    "<error-severity>error</error-severity><error-message xml:lang=\"en\">%s "
	    "(RFC 6242 4)</error-message></rpc-error></rpc-reply>",
	    g->f.err);
	if (n <= 0 || (size_t)n >= sizeof(body))
		return;
	if (ncf_chunked(&g->f))
		m = snprintf(msg, sizeof(msg), "\n#%d\n%s\n##\n", n, body);
	else
		m = snprintf(msg, sizeof(msg), "%s]]>]]>", body);
	if (m > 0 && (size_t)m < sizeof(msg))
		real.wr(g->ch, msg, (uint32_t)m);
}

static void
body_sink(void *arg, const uint8_t *p, size_t n)
{
	struct guard *g = arg;

	if (buf_put(&g->body, p, n) != 0)
		g->f.err = "out of memory";
}

/* A message is complete in raw/body: decide what the library gets. */
static int
guard_message(struct guard *g)
{
	char   msgid[NBNC_MSGID_MAX * 6 + 1], sub[NBNC_MSGID_MAX * 6 + 256];
	bool   has_id, first = g->f.messages == 1;
	size_t len = g->body.len;
	int    n, rc = 0;

	if (g->f.last_eom)
		len = len >= NCF_EOM_LEN ? len - NCF_EOM_LEN : 0;
	if (len < g->body.len)
		g->body.p[len] = '\0';
	g->out.len = g->out_off = 0;
	g->out_refused = false;
	/* the <hello> is the library's to judge (a bad one ends the session) */
	if (first ||
	    nbnc_msg_check((const char *)g->body.p, len, &g->refusal, msgid, &has_id) == 0) {
		rc = buf_put(&g->out, g->raw.p, g->raw.len);
		goto out;
	}
	atomic_fetch_add(&guard_refused, 1);
	n = snprintf(sub, sizeof(sub),
	    "<rpc xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"%s%s%s>"
	    "<refused xmlns=\"urn:hybridgw:params:xml:ns:yang:hybridgw-netconf\"/></rpc>",
	    has_id ? " message-id=\"" : "", has_id ? msgid : "", has_id ? "\"" : "");
	if (n < 0 || (size_t)n >= sizeof(sub)) {
		rc = -EMSGSIZE;
		goto out;
	}
	if (g->f.last_eom) {
		rc = buf_put(&g->out, sub, (size_t)n);
		rc = rc ? rc : buf_put(&g->out, "]]>]]>", NCF_EOM_LEN);
	} else {
		char hdr[24];
		int  h = snprintf(hdr, sizeof(hdr), "\n#%d\n", n);

		rc = buf_put(&g->out, hdr, (size_t)h);
		rc = rc ? rc : buf_put(&g->out, sub, (size_t)n);
		rc = rc ? rc : buf_put(&g->out, "\n##\n", 4);
	}
	g->out_refused = true;
out:
	g->raw.len = g->body.len = 0;
	return rc;
}

/*
 * Frame what was read until a message is complete (it goes to out) or the
 * input is used up. 0, or -EPROTO (framing: the session must end) or
 * -ENOMEM.
 */
static int
guard_scan(struct guard *g)
{
	while (g->in_off < g->in_len && g->out_off == g->out.len) {
		const uint8_t *p = g->in + g->in_off;
		size_t	       n = g->in_len - g->in_off;
		bool	       end;
		long	       used = ncf_scan(&g->f, p, n, &end, body_sink, g);

		if (used < 0)
			return -EPROTO;
		if (buf_put(&g->raw, p, (size_t)used) != 0)
			return -ENOMEM;
		g->in_off += (size_t)used;
		if (end && guard_message(g) != 0)
			return -ENOMEM;
	}
	if (g->in_off == g->in_len)
		g->in_off = g->in_len = 0;
	return 0;
}

static size_t
guard_pending(const struct guard *g)
{
	return g->out.len - g->out_off;
}

int  ssh_channel_read(ssh_channel, void *, uint32_t, int);
int  ssh_channel_poll_timeout(ssh_channel, int, int);
void ssh_channel_free(ssh_channel);

int
ssh_channel_read(ssh_channel ch, void *dest, uint32_t count, int is_stderr)
{
	struct guard *g;
	size_t	      n;
	int	      r;

	real_get();
	if (!real.rd)
		return SSH_ERROR;
	if (is_stderr)
		return real.rd(ch, dest, count, is_stderr);
	if (!(g = guard_get(ch, true)) || g->closed)
		return SSH_ERROR;
	if (!guard_pending(g) && g->in_len == 0) {
		r = real.rd(ch, g->in, sizeof(g->in), 0);
		if (r == SSH_ERROR || (r == 0 && ssh_channel_is_eof(ch)))
			tl_dropped = true;
		if (r <= 0)
			return r;
		g->in_len = (size_t)r;
	}
	if ((r = guard_scan(g)) != 0) {
		if (r == -ENOMEM)
			g->f.err = "out of memory";
		guard_close(g);
		return SSH_ERROR;
	}
	if (!(n = guard_pending(g)))
		return 0; /* a message is still incomplete: nothing yet */
	if (n > count)
		n = count;
	memcpy(dest, g->out.p + g->out_off, n);
	g->out_off += n;
	if (g->out_off == g->out.len && g->out_refused) {
		/* the library dispatches this on the calling thread next */
		tl_refusal = g->refusal;
		tl_has_refusal = true;
		g->out_refused = false;
	}
	return (int)n;
}

int
ssh_channel_poll_timeout(ssh_channel ch, int timeout, int is_stderr)
{
	struct guard *g;
	int	      r;

	real_get();
	if (!real.pl)
		return SSH_ERROR;
	if (!is_stderr && (g = guard_get(ch, false))) {
		if (g->closed)
			return SSH_ERROR;
		/* held back here, not in libssh any more: say so */
		if (guard_pending(g))
			return (int)(guard_pending(g) > INT32_MAX ? INT32_MAX :
								    guard_pending(g));
		if (g->in_len > g->in_off)
			return (int)(g->in_len - g->in_off);
	}
	r = real.pl(ch, timeout, is_stderr);
	if (r == SSH_ERROR || r == SSH_EOF)
		tl_dropped = true; /* the transport went away under us */
	return r;
}

void
ssh_channel_free(ssh_channel ch)
{
	guard_drop(ch);
	real_get();
	if (real.fr)
		real.fr(ch);
}

bool
nbnc_guard_take_refusal(struct nbnc_err *e)
{
	if (!tl_has_refusal)
		return false;
	*e = tl_refusal;
	tl_has_refusal = false;
	return true;
}

bool
nbnc_guard_take_dropped(void)
{
	bool d = tl_dropped;

	tl_dropped = false;
	return d;
}

bool
nbnc_guard_active(void)
{
	return dlsym(RTLD_DEFAULT, "ssh_channel_read") == (void *)ssh_channel_read &&
	    dlsym(RTLD_DEFAULT, "ssh_channel_poll_timeout") == (void *)ssh_channel_poll_timeout;
}

unsigned long
nbnc_guard_refused(void)
{
	return atomic_load(&guard_refused);
}

unsigned long
nbnc_guard_closed(void)
{
	return atomic_load(&guard_closed);
}
