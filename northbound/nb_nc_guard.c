/* northbound/nb_nc_guard.c - every client byte passes the framing checker before libnetconf2 reads it (its 2.0.24 parser crashes on bad chunks). */
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
 * session hanging without a reply. The library cannot be patched here (it is
 * Debian's), so hybridgwd defines ssh_channel_read() itself: the executable
 * exports it (daemon/CMakeLists.txt, --dynamic-list), the dynamic linker
 * binds libnetconf2's calls to it, and it runs what the client sent through
 * the checker (nb_nc_frame.c) before handing it on. A violation answers with
 * a malformed-message rpc-error (RFC 6241 App. A; no message-id: the message
 * could not be parsed) in the session's framing and ends the session: the
 * stream cannot be resynchronised. Other sessions are untouched.
 */

struct guard {
	ssh_channel	 ch;
	struct ncf	 f;
	bool		 refused;	/* answered: later reads fail quietly */
};

typedef int (*read_fn)(ssh_channel, void *, uint32_t, int);
typedef int (*write_fn)(ssh_channel, const void *, uint32_t);
typedef void (*free_fn)(ssh_channel);

static pthread_mutex_t	 guard_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct guard	**guards;
static size_t		 nguards, cguards;
static atomic_ulong	 guard_refused;

static void *
real_sym(const char *name)
{
	void	*p = dlvsym(RTLD_NEXT, name, "LIBSSH_4_5_0");

	return p ? p : dlsym(RTLD_NEXT, name);
}

/* The channel's checker, made at its first read. NULL: out of memory. */
static struct guard *
guard_get(ssh_channel ch)
{
	struct guard	*g = NULL;

	pthread_mutex_lock(&guard_mtx);
	for (size_t i = 0; i < nguards; i++)
		if (guards[i]->ch == ch) {
			g = guards[i];
			goto out;
		}
	if (nguards == cguards) {
		size_t		 nc = cguards ? cguards * 2 : 16;
		struct guard	**ng = realloc(guards, nc * sizeof(*ng));

		if (!ng)
			goto out;
		guards = ng;
		cguards = nc;
	}
	if (!(g = malloc(sizeof(*g))))
		goto out;
	g->ch = ch;
	g->refused = false;
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
			free(guards[i]);
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

/* malformed-message in the framing the client expects. f->err is one of
 * the checker's fixed texts: nothing the client sent is echoed. */
static void
guard_refuse(ssh_channel ch, const struct ncf *f)
{
	static write_fn	 wr;
	char		 body[512], msg[600];
	int		 n, m;

	if (!wr && !(wr = (write_fn)real_sym("ssh_channel_write")))
		return;
	n = snprintf(body, sizeof(body), "<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
	    "<rpc-error><error-type>rpc</error-type><error-tag>malformed-message</error-tag>"
	    "<error-severity>error</error-severity><error-message xml:lang=\"en\">%s "
	    "(RFC 6242 4)</error-message></rpc-error></rpc-reply>", f->err);
	if (n <= 0 || (size_t)n >= sizeof(body))
		return;
	if (ncf_chunked(f))
		m = snprintf(msg, sizeof(msg), "\n#%d\n%s\n##\n", n, body);
	else
		m = snprintf(msg, sizeof(msg), "%s]]>]]>", body);
	if (m > 0 && (size_t)m < sizeof(msg))
		wr(ch, msg, (uint32_t)m);
}

int ssh_channel_read(ssh_channel, void *, uint32_t, int);
void ssh_channel_free(ssh_channel);

int
ssh_channel_read(ssh_channel ch, void *dest, uint32_t count, int is_stderr)
{
	static read_fn	 rd;
	struct guard	*g;
	int		 n;

	if (!rd && !(rd = (read_fn)real_sym("ssh_channel_read")))
		return SSH_ERROR;
	n = rd(ch, dest, count, is_stderr);
	if (n <= 0 || is_stderr)
		return n;
	if (!(g = guard_get(ch)))
		return SSH_ERROR;
	if (ncf_feed(&g->f, dest, (size_t)n) == 0)
		return n;
	if (!g->refused) {
		g->refused = true;
		atomic_fetch_add(&guard_refused, 1);
		log_warn(LOG_MOD_NB, "netconf: closing a session: %s", g->f.err);
		guard_refuse(ch, &g->f);
	}
	return SSH_ERROR;
}

void
ssh_channel_free(ssh_channel ch)
{
	static free_fn	 fr;

	guard_drop(ch);
	if (!fr)
		fr = (free_fn)real_sym("ssh_channel_free");
	if (fr)
		fr(ch);
}

bool
nbnc_guard_active(void)
{
	return dlsym(RTLD_DEFAULT, "ssh_channel_read") == (void *)ssh_channel_read;
}

unsigned long
nbnc_guard_refused(void)
{
	return atomic_load(&guard_refused);
}
