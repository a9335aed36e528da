/* northbound/nb_netconf.c - hybridgw-netconf: SSH endpoint, host key, users and keys, threads, sessions. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <crypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_notify.h"

#define NBNC_ENDPT    "main"
#define NBNC_HOSTKEY  "hostkey"
#define NBNC_MAX_POLL 4

static struct {
	bool		       inited;
	bool		       started;
	atomic_bool	       stop;
	atomic_int	       live_threads;
	struct nc_pollsession *ps;
	pthread_t	       accept_thr;
	pthread_t	       poll_thr[NBNC_MAX_POLL];
	unsigned	       npoll;
	char		       hostkey[PATH_MAX];
	char		      *hostkey_b64; /* the key, read before the privileges went */
	size_t		       hostkey_len;
	NC_SSH_KEY_TYPE	       hostkey_type;
	uv_timer_t	       endpt_timer; /* the endpoint follows commits */
	bool		       endpt_timer_init;
	char		       endpt_addr[64];
	uint16_t	       endpt_port, endpt_idle;
	bool		       endpt_pending;
	char		       cli_addr[64];
	uint16_t	       cli_port;
	char		       addr[64]; /* what the endpoint uses now */
	uint16_t	       port;
	time_t		       started_at;
	atomic_uint_fast64_t   bad_hellos;
	atomic_uint_fast64_t   sessions_total;
} nbnc;

pthread_mutex_t		 nbnc_sess_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 nbnc_sess_cv = PTHREAD_COND_INITIALIZER;
static struct nbnc_sess *nbnc_sessions;
/* Under nbnc_sess_mtx: the highest session id in the table so far and a count
 * of nc_accept() returns. A client has its session id from the server's
 * <hello> before the server has read the client's and added the session. */
static uint32_t nbnc_sess_max_id;
static uint64_t nbnc_accept_gen;

static pthread_mutex_t	  nbnc_users_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct nbnc_users *nbnc_users_cur;

/* ------------------------------------------------------------ users */

enum nbnc_role
nbnc_user_role(const char *user)
{
	enum nbnc_role r = NBNC_ROLE_VIEWER;

	pthread_mutex_lock(&nbnc_users_mtx);
	for (size_t i = 0; user && nbnc_users_cur && i < nbnc_users_cur->n; i++)
		if (strcmp(nbnc_users_cur->v[i].name, user) == 0)
			r = nbnc_users_cur->v[i].role;
	pthread_mutex_unlock(&nbnc_users_mtx);
	return r;
}

static struct nbnc_user *
nbnc_user_find_locked(const char *name)
{
	for (size_t i = 0; name && nbnc_users_cur && i < nbnc_users_cur->n; i++)
		if (strcmp(nbnc_users_cur->v[i].name, name) == 0)
			return &nbnc_users_cur->v[i];
	return NULL;
}

/*
 * crypt_r() comes from libcrypt.so.1 (already mapped: libnetconf2 needs it).
 * Resolved at run time so the module needs no extra link flag.
 */
typedef char *(*nbnc_crypt_fn)(const char *, const char *, struct crypt_data *);
static nbnc_crypt_fn  nbnc_crypt_r;
static pthread_once_t nbnc_crypt_once = PTHREAD_ONCE_INIT;

static void
nbnc_crypt_resolve(void)
{
	void *h = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_NOLOAD);

	if (!h)
		h = dlopen("libcrypt.so.1", RTLD_NOW);
	if (h)
		nbnc_crypt_r = (nbnc_crypt_fn)dlsym(h, "crypt_r");
}

static int
nbnc_auth_passwd(const struct nc_session *s, const char *password, void *ud)
{
	struct nbnc_user  *u;
	struct crypt_data *cd;
	char		  *res, hash[256];
	const char	  *name = nc_session_get_username(s);
	int		   rc = -1;

	pthread_once(&nbnc_crypt_once, nbnc_crypt_resolve);
	pthread_mutex_lock(&nbnc_users_mtx);
	u = nbnc_user_find_locked(name);
	hash[0] = '\0';
	if (u && u->hash)
		snprintf(hash, sizeof(hash), "%s", u->hash);
	pthread_mutex_unlock(&nbnc_users_mtx);
	if (!hash[0] || !nbnc_crypt_r || !(cd = calloc(1, sizeof(*cd))))
		goto out;
	res = nbnc_crypt_r(password, hash, cd);
	if (res && res[0] != '*' && strlen(res) == strlen(hash) &&
	    CRYPTO_memcmp(res, hash, strlen(hash)) == 0)
		rc = 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	if (rc != 0)
		log_info(LOG_MOD_NB, "netconf: password authentication failed for user %s",
		    name ? name : "?");
	return rc;
}

static int
nbnc_auth_pubkey(const struct nc_session *s, ssh_key key, void *ud)
{
	struct nbnc_user *u;
	const char	 *name = nc_session_get_username(s);
	int		  rc = -1;

	pthread_mutex_lock(&nbnc_users_mtx);
	if ((u = nbnc_user_find_locked(name))) {
		for (size_t i = 0; i < u->nkeys && rc != 0; i++) {
			ssh_key k = NULL;

			if (ssh_pki_import_pubkey_base64(u->keys[i].b64,
				ssh_key_type_from_name(u->keys[i].alg), &k) != SSH_OK)
				continue;
			if (ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0)
				rc = 0;
			ssh_key_free(k);
		}
	}
	pthread_mutex_unlock(&nbnc_users_mtx);
	return rc;
}

/* ------------------------------------------------------- host key */

/* Create an ECDSA P-256 host key (traditional PEM, mode 0600) when absent. */
static int
nbnc_hostkey_ensure(const char *dir, char *path, size_t len)
{
	EVP_PKEY *pk = NULL;
	BIO	 *bio = NULL;
	int	  fd = -1, rc = 0;
	char	  tmp[PATH_MAX];

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (snprintf(path, len, "%s/ssh_host_ecdsa_key", dir) >= (int)len ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (access(path, R_OK) == 0)
		return 0;
	if (!(pk = EVP_EC_gen("P-256"))) {
		rc = -EIO;
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = -errno;
		goto out;
	}
	if (!(bio = BIO_new_fd(fd, BIO_CLOSE))) {
		close(fd);
		rc = -ENOMEM;
		goto out;
	}
	if (!PEM_write_bio_PrivateKey_traditional(bio, pk, NULL, NULL, 0, NULL, NULL) ||
	    BIO_flush(bio) != 1 || fsync(fd) != 0) {
		rc = -EIO;
		goto out;
	}
	if (rename(tmp, path) != 0)
		rc = -errno;
	else
		log_info(LOG_MOD_NB, "netconf: created SSH host key %s", path);
out:
	BIO_free_all(bio);
	EVP_PKEY_free(pk);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/*
 * Read once, as root, before the privileges go: libnetconf2 asks for the
 * key at every SSH accept, and the unprivileged process may not read the
 * file. It takes the key as base64 DER (the PEM body) and hands libssh a
 * private temporary copy (mode 0600, unlinked at once).
 */
static int
nbnc_hostkey_load(const char *path)
{
	FILE	       *f = fopen(path, "re");
	char		line[256], *b64 = NULL;
	size_t		len = 0;
	bool		in = false, params = false;
	int		rc = 0;
	NC_SSH_KEY_TYPE type = NC_SSH_KEY_UNKNOWN;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (strncmp(line, "-----BEGIN EC PARAMETERS", 24) == 0) {
			params = true; /* `openssl ecparam -genkey` puts these first */
			continue;
		}
		if (params) {
			params = strncmp(line, "-----END ", 9) != 0;
			continue;
		}
		if (strncmp(line, "-----BEGIN ", 11) == 0) {
			/* libnetconf2 writes the header back from the type:
			 * PKCS#8 ("PRIVATE KEY") is its unknown type */
			in = true;
			type = strstr(line, " EC PRIVATE KEY") ? NC_SSH_KEY_ECDSA :
			    strstr(line, " RSA PRIVATE KEY")   ? NC_SSH_KEY_RSA :
			    strstr(line, " DSA PRIVATE KEY")   ? NC_SSH_KEY_DSA :
								 NC_SSH_KEY_UNKNOWN;
			if (type == NC_SSH_KEY_UNKNOWN &&
			    strcmp(line, "-----BEGIN PRIVATE KEY-----") != 0) {
				rc = -EINVAL; /* encrypted or OpenSSH format */
				break;
			}
			continue;
		}
		if (strncmp(line, "-----END ", 9) == 0)
			break;
		if (!in || !n)
			continue;
		char *nb = realloc(b64, len + n + 1);

		if (!nb) {
			rc = -ENOMEM;
			break;
		}
		b64 = nb;
		memcpy(b64 + len, line, n + 1);
		len += n;
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	if (rc == 0 && !b64)
		rc = -EINVAL;
	if (rc != 0) {
		if (b64)
			OPENSSL_cleanse(b64, len);
		free(b64);
		return rc;
	}
	nbnc.hostkey_b64 = b64;
	nbnc.hostkey_len = len;
	nbnc.hostkey_type = type;
	return 0;
}

static int
nbnc_hostkey_clb(const char *name, void *ud, char **privkey_path, char **privkey_data,
    NC_SSH_KEY_TYPE *privkey_type)
{
	if (!nbnc.hostkey_b64 || !(*privkey_data = strdup(nbnc.hostkey_b64)))
		return -1;
	*privkey_type = nbnc.hostkey_type;
	return 0;
}

/* ------------------------------------------------------- sessions */

struct nbnc_sess *
nbnc_sess_first(void)
{
	return nbnc_sessions;
}

struct nbnc_sess *
nbnc_sess_find(uint32_t id)
{
	for (struct nbnc_sess *s = nbnc_sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

struct nbnc_sess *
nbnc_sess_get(uint32_t id)
{
	struct nbnc_sess *s;

	pthread_mutex_lock(&nbnc_sess_mtx);
	if ((s = nbnc_sess_find(id)))
		s->refs++;
	pthread_mutex_unlock(&nbnc_sess_mtx);
	return s;
}

void
nbnc_sess_put(struct nbnc_sess *s)
{
	pthread_mutex_lock(&nbnc_sess_mtx);
	if (--s->refs == 0)
		pthread_cond_broadcast(&nbnc_sess_cv);
	pthread_mutex_unlock(&nbnc_sess_mtx);
}

/* Out of the table; wait for the references (a notification being sent). */
static void
nbnc_sess_unlink_wait(struct nbnc_sess *s)
{
	struct nbnc_sess **pp;

	for (pp = &nbnc_sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	while (s->refs > 0)
		pthread_cond_wait(&nbnc_sess_cv, &nbnc_sess_mtx);
}

int
nbnc_sess_kill(uint32_t id, uint32_t by)
{
	struct nbnc_sess *s;
	int		  rc = -ENOENT;

	pthread_mutex_lock(&nbnc_sess_mtx);
	if (!(s = nbnc_sess_find(id)) && id > nbnc_sess_max_id) {
		/* maybe still in its handshake: that nc_accept() returns next.
		 * A client with our <hello> sends its own at once; one that
		 * keeps the accept thread longer does not hold this thread. */
		uint64_t	gen = nbnc_accept_gen;
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		while (!(s = nbnc_sess_find(id)) && id > nbnc_sess_max_id &&
		    gen == nbnc_accept_gen &&
		    pthread_cond_timedwait(&nbnc_sess_cv, &nbnc_sess_mtx, &until) == 0)
			;
	}
	if (s && s->nc) {
		nc_session_set_term_reason(s->nc, NC_SESSION_TERM_KILLED);
		nc_session_set_killed_by(s->nc, by);
		nc_session_set_status(s->nc, NC_STATUS_INVALID);
		rc = 0;
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	return rc;
}

uint64_t
nbnc_stat_bad_hellos(void)
{
	return atomic_load(&nbnc.bad_hellos);
}

uint64_t
nbnc_stat_sessions_total(void)
{
	return atomic_load(&nbnc.sessions_total);
}

time_t
nbnc_start_time(void)
{
	return nbnc.started_at;
}

static void
nbnc_sess_add(struct nc_session *ncs)
{
	struct nbnc_sess *s = calloc(1, sizeof(*s));
	const char	 *user = nc_session_get_username(ncs);
	const char	 *host = nc_session_get_host(ncs);

	if (!s)
		return;
	s->id = nc_session_get_id(ncs);
	s->nc = ncs;
	s->login = time(NULL);
	snprintf(s->user, sizeof(s->user), "%s", user ? user : "");
	snprintf(s->host, sizeof(s->host), "%s", host ? host : "");
	pthread_mutex_lock(&nbnc_sess_mtx);
	s->next = nbnc_sessions;
	nbnc_sessions = s;
	if (s->id > nbnc_sess_max_id)
		nbnc_sess_max_id = s->id;
	pthread_mutex_unlock(&nbnc_sess_mtx);
	atomic_fetch_add(&nbnc.sessions_total, 1);
	log_info(LOG_MOD_NB, "netconf: session %u up, user %s from %s (%s)", s->id, s->user,
	    s->host, nbnc_role_name(nbnc_user_role(s->user)));
	nbnc_session_started(s->id, s->user, s->host);
}

/* A session that never made it into the poll set. */
static void
nbnc_sess_drop(struct nc_session *ncs)
{
	struct nbnc_sess *s, **pp;

	pthread_mutex_lock(&nbnc_sess_mtx);
	for (pp = &nbnc_sessions; (s = *pp); pp = &s->next) {
		if (s->nc == ncs) {
			nbnc_sess_unlink_wait(s);
			free(s);
			break;
		}
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	nc_session_free(ncs, NULL);
}

struct nbnc_gone {
	uint32_t	       sid;
	const char	      *user, *host;
	NC_SESSION_TERM_REASON reason;
	uint32_t	       killed_by;
};

static int
nbnc_sess_gone_loop(void *arg)
{
	struct nbnc_gone *g = arg;

	nbnc_session_gone(g->sid, g->user, g->host, g->reason, g->killed_by);
	return 0;
}

/* A session ended: out of the poll set and the table, locks released (loop
 * thread), then freed. */
static void
nbnc_sess_end(struct nc_session *ncs)
{
	struct nbnc_sess *s, **pp;
	struct nbnc_gone  g = { 0 };

	g.sid = nc_session_get_id(ncs);
	g.reason = nc_session_get_term_reason(ncs);
	g.killed_by = g.reason == NC_SESSION_TERM_KILLED ? nc_session_get_killed_by(ncs) : 0;
	nc_ps_del_session(nbnc.ps, ncs);
	nbnc_notify_session_gone(g.sid);
	pthread_mutex_lock(&nbnc_sess_mtx);
	for (pp = &nbnc_sessions; (s = *pp); pp = &s->next) {
		if (s->nc == ncs) {
			nbnc_sess_unlink_wait(s);
			break;
		}
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	if (s) {
		g.user = s->user;
		g.host = s->host;
		log_info(LOG_MOD_NB, "netconf: session %u down (reason %d)", g.sid,
		    (int)g.reason);
		if (!atomic_load(&nbnc.stop))
			loop_call(nbnc_sess_gone_loop, &g);
		free(s);
	}
	nc_session_free(ncs, NULL);
}

/* ------------------------------------------------------- threads */

static void *
nbnc_accept_main(void *arg)
{
	while (!atomic_load(&nbnc.stop)) {
		struct nc_session *ncs = NULL;
		NC_MSG_TYPE	   m = nc_accept(300, &ncs);

		if (m == NC_MSG_HELLO) {
			/* in the table first: another session may name it at once */
			nbnc_sess_add(ncs);
			if (nc_ps_add_session(nbnc.ps, ncs) != 0)
				nbnc_sess_drop(ncs);
		} else if (m == NC_MSG_BAD_HELLO) {
			atomic_fetch_add(&nbnc.bad_hellos, 1);
		}
		pthread_mutex_lock(&nbnc_sess_mtx);
		nbnc_accept_gen++;
		pthread_cond_broadcast(&nbnc_sess_cv);
		pthread_mutex_unlock(&nbnc_sess_mtx);
		if (m == NC_MSG_ERROR)
			usleep(100 * 1000);
	}
	nc_thread_destroy();
	atomic_fetch_sub(&nbnc.live_threads, 1);
	return NULL;
}

static void *
nbnc_poll_main(void *arg)
{
	while (!atomic_load(&nbnc.stop)) {
		struct nc_session *ncs = NULL;
		int		   r;

		(void)nbnc_guard_take_dropped(); /* only what this poll sees counts */
		/* short: libnetconf2 2.0 holds the pollsession lock for the whole
		 * timeout, and nc_ps_add_session() queues behind every poll
		 * thread: at 300 ms an RPC sent right after the <hello> waited
		 * 0.5-0.9 s (it is also the IO lock timeout of the reply) */
		r = nc_ps_poll(nbnc.ps, 50, &ncs);

		nbnc_bulk_sent(); /* a reply answered in there has been sent */
		if (r & NC_PSPOLL_NOSESSIONS) {
			usleep(30 * 1000);
			continue;
		}
		if ((r & NC_PSPOLL_BAD_RPC) && ncs) {
			pthread_mutex_lock(&nbnc_sess_mtx);
			for (struct nbnc_sess *s = nbnc_sessions; s; s = s->next)
				if (s->nc == ncs)
					s->in_bad_rpcs++;
			pthread_mutex_unlock(&nbnc_sess_mtx);
		}
		if ((r & NC_PSPOLL_SESSION_TERM) && ncs) {
			/* libnetconf2 says "other" when the client's transport went
			 * away under a read; RFC 6470 calls that dropped */
			if (nbnc_guard_take_dropped() &&
			    nc_session_get_term_reason(ncs) == NC_SESSION_TERM_OTHER)
				nc_session_set_term_reason(ncs, NC_SESSION_TERM_DROPPED);
			nbnc_sess_end(ncs);
		} else if ((r & NC_PSPOLL_SSH_CHANNEL) && ncs) {
			struct nc_session *ch = NULL;

			if (nc_ps_accept_ssh_channel(nbnc.ps, &ch) == NC_MSG_HELLO) {
				nbnc_sess_add(ch);
				if (nc_ps_add_session(nbnc.ps, ch) != 0)
					nbnc_sess_drop(ch);
			}
		} else if (r & NC_PSPOLL_ERROR) {
			usleep(30 * 1000);
		}
	}
	nbnc_bulk_sent();
	nc_thread_destroy();
	atomic_fetch_sub(&nbnc.live_threads, 1);
	return NULL;
}

/* ------------------------------------------- config (nb_module) */

/*
 * libnetconf2 2.0 listens with a backlog of 5: a burst of clients loses
 * SYNs and waits out TCP's retransmission (seconds) or times out in the
 * SSH banner exchange. Its listening socket is not ours to configure, so
 * find it (a listening TCP socket bound to the endpoint's port) and raise
 * the backlog: listen() again on a listening socket only resizes it.
 */
#define NBNC_BACKLOG 512

static void
nbnc_backlog_raise(uint16_t port)
{
	for (int fd = 3; fd < 4096; fd++) {
		/* zeroed: a family getsockname() leaves unwritten matches none */
		struct sockaddr_storage ss = { 0 };
		socklen_t		l = sizeof(ss);
		int			acc = 0, type = 0;
		socklen_t		al = sizeof(acc), tl = sizeof(type);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) != 0 || !acc ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
		    type != SOCK_STREAM || getsockname(fd, (struct sockaddr *)&ss, &l) != 0)
			continue;
		if ((ss.ss_family == AF_INET &&
			ntohs(((struct sockaddr_in *)&ss)->sin_port) == port) ||
		    (ss.ss_family == AF_INET6 &&
			ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == port))
			if (listen(fd, NBNC_BACKLOG) != 0)
				log_warn(LOG_MOD_NB, "netconf: listen backlog: %s",
				    strerror(errno));
	}
}

/*
 * The endpoint follows the running config: at once after a commit of this
 * process (before its reply, so that the client finds it moved), on the
 * next loop turn after one hybridgwd sent while a request was waiting on
 * the channel: moving it may bind a port below 1024, which this
 * unprivileged process asks hybridgwd to do over that channel
 * (nb_nc_priv.c).
 */
static void
nbnc_endpoint_run(uv_timer_t *t)
{
	const char *addr = nbnc.endpt_addr[0] ? nbnc.endpt_addr : nbnc.cli_addr;
	uint16_t    port = nbnc.endpt_port ? nbnc.endpt_port : nbnc.cli_port;

	nbnc.endpt_pending = false;
	if (!nbnc.started)
		return;
	if (strcmp(addr, nbnc.addr) != 0) {
		if (nc_server_endpt_set_address(NBNC_ENDPT, addr) == 0)
			snprintf(nbnc.addr, sizeof(nbnc.addr), "%s", addr);
		else
			log_err(LOG_MOD_NB, "netconf: cannot listen on %s", addr);
	}
	if (port != nbnc.port) {
		if (nc_server_endpt_set_port(NBNC_ENDPT, port) == 0)
			nbnc.port = port;
		else
			log_err(LOG_MOD_NB, "netconf: cannot listen on port %u", port);
	}
	nc_server_set_idle_timeout(nbnc.endpt_idle);
	nbnc_backlog_raise(nbnc.port);
}

static void
nbnc_endpoint_apply(const struct nbnc_users *u)
{
	snprintf(nbnc.endpt_addr, sizeof(nbnc.endpt_addr), "%s", u ? u->addr : "");
	nbnc.endpt_port = u ? u->port : 0;
	nbnc.endpt_idle = u ? u->idle : 0;
	if (!nbnc.started || nbnc.endpt_pending)
		return;
	if (!nbnc_chan_busy()) {
		nbnc_endpoint_run(NULL);
		return;
	}
	nbnc.endpt_pending = true;
	uv_timer_start(&nbnc.endpt_timer, nbnc_endpoint_run, 0, 0);
}

static int
nbnc_mod_validate(const struct nb_txn *t)
{
	struct nbnc_users *u = NULL;
	int		   rc = nbnc_users_from_cfg(t->new_cfg, &u, t->err);

	nbnc_users_free(u);
	return rc;
}

static int
nbnc_mod_prepare(const struct nb_txn *t, void **ctx)
{
	struct nbnc_users *u = NULL;
	int		   rc = nbnc_users_from_cfg(t->new_cfg, &u, t->err);

	if (rc == 0)
		*ctx = u;
	return rc;
}

static void
nbnc_mod_apply(const struct nb_txn *t, void *ctx)
{
	struct nbnc_users *old;

	pthread_mutex_lock(&nbnc_users_mtx);
	old = nbnc_users_cur;
	nbnc_users_cur = ctx;
	pthread_mutex_unlock(&nbnc_users_mtx);
	nbnc_users_free(old);
	nbnc_endpoint_apply(ctx);
}

static void
nbnc_mod_abort(const struct nb_txn *t, void *ctx)
{
	nbnc_users_free(ctx);
}

static const struct nb_module nbnc_module = {
	.name = "netconf",
	.validate = nbnc_mod_validate,
	.prepare = nbnc_mod_prepare,
	.apply = nbnc_mod_apply,
	.abort = nbnc_mod_abort,
	.no_diff = true,
};

/* ------------------------------------------------------- lifecycle */

static void
nbnc_print_clb(const struct nc_session *s, NC_VERB_LEVEL lvl, const char *msg)
{
	/* a client that leaves without <close-session> is routine */
	if (lvl == NC_VERB_ERROR && !strstr(msg, "disconnected") && !strstr(msg, "EOF"))
		log_warn(LOG_MOD_NB, "netconf: %s", msg);
	else if (lvl == NC_VERB_ERROR)
		log_info(LOG_MOD_NB, "netconf: session %u: %s", s ? nc_session_get_id(s) : 0,
		    msg);
	else if (lvl == NC_VERB_WARNING)
		log_debug(LOG_MOD_NB, "netconf: %s", msg);
	else
		log_debug(LOG_MOD_NB, "netconf: %s", msg);
}

int
nb_netconf_start(const struct nb_netconf_cfg *cfg)
{
	struct nb_err		err = { 0 };
	const struct lysc_node *gs;
	const char *dir = cfg && cfg->state_dir ? cfg->state_dir : "/var/lib/hybridgw";
	int	    rc;

	if (nbnc.started)
		return -EALREADY;
	if (!nbnc_guard_active()) {
		/* libnetconf2 alone dies on malformed chunk framing */
		log_err(LOG_MOD_NB,
		    "netconf: not started: the framing guard is not in front of "
		    "libnetconf2 (the executable must export ssh_channel_read, nb_nc_guard.c)");
		return -ENOTSUP;
	}
	if ((rc = nb_netconf_init(&err)) != 0) {
		log_err(LOG_MOD_NB, "netconf: %s: %s", err.path, err.msg);
		return rc;
	}
	if ((rc = nbnc_hostkey_ensure(dir, nbnc.hostkey, sizeof(nbnc.hostkey))) != 0 ||
	    (!nbnc.hostkey_b64 && (rc = nbnc_hostkey_load(nbnc.hostkey)) != 0)) {
		log_err(LOG_MOD_NB, "netconf: host key in %s: %s", dir, strerror(-rc));
		return rc;
	}
	snprintf(nbnc.cli_addr, sizeof(nbnc.cli_addr), "%s",
	    cfg && cfg->address ? cfg->address : "::");
	nbnc.cli_port = cfg && cfg->port ? cfg->port : 830;
	/* the listen address as committed so far (nb_netconf_connect()) */
	snprintf(nbnc.addr, sizeof(nbnc.addr), "%s",
	    nbnc.endpt_addr[0] ? nbnc.endpt_addr : nbnc.cli_addr);
	nbnc.port = nbnc.endpt_port ? nbnc.endpt_port : nbnc.cli_port;

	nc_set_print_clb_session(nbnc_print_clb);
	nc_verbosity(NC_VERB_WARNING);
	/* Our own get-schema: the library's corrupts memory in 2.0.24. */
	gs = lys_find_path(nb_ctx(), NULL, "/ietf-netconf-monitoring:get-schema", 0);
	if (gs)
		((struct lysc_node *)gs)->priv = nbnc_rpc_get_schema;
	if (nc_server_init(nb_ctx()) != 0) {
		rc = -EINVAL;
		goto fail;
	}
	nc_set_global_rpc_clb(nbnc_rpc_dispatch);
	/* 2.0.24 tests also_supported against the mode values themselves */
	nc_server_set_capab_withdefaults(NC_WD_EXPLICIT,
	    NC_WD_ALL | NC_WD_ALL_TAG | NC_WD_TRIM);
	nc_server_set_capability("urn:ietf:params:netconf:capability:notification:1.0");
	nc_server_set_capability("urn:ietf:params:netconf:capability:interleave:1.0");
	nc_server_set_idle_timeout(nbnc.endpt_idle);
	nc_server_ssh_set_hostkey_clb(nbnc_hostkey_clb, NULL, NULL);
	nc_server_ssh_set_passwd_auth_clb(nbnc_auth_passwd, NULL, NULL);
	nc_server_ssh_set_pubkey_auth_clb(nbnc_auth_pubkey, NULL, NULL);
	if (nc_server_add_endpt(NBNC_ENDPT, NC_TI_LIBSSH) != 0 ||
	    nc_server_ssh_endpt_add_hostkey(NBNC_ENDPT, NBNC_HOSTKEY, -1) != 0 ||
	    nc_server_ssh_endpt_set_auth_methods(NBNC_ENDPT,
		NC_SSH_AUTH_PUBLICKEY | NC_SSH_AUTH_PASSWORD) != 0 ||
	    nc_server_ssh_endpt_set_auth_attempts(NBNC_ENDPT, 3) != 0 ||
	    nc_server_ssh_endpt_set_auth_timeout(NBNC_ENDPT, 30) != 0 ||
	    nc_server_endpt_set_address(NBNC_ENDPT, nbnc.addr) != 0 ||
	    nc_server_endpt_set_port(NBNC_ENDPT, nbnc.port) != 0) {
		log_err(LOG_MOD_NB, "netconf: cannot listen on [%s]:%u", nbnc.addr, nbnc.port);
		rc = -EADDRNOTAVAIL;
		goto fail_server;
	}
	nbnc_backlog_raise(nbnc.port);
	if (!(nbnc.ps = nc_ps_new())) {
		rc = -ENOMEM;
		goto fail_server;
	}
	/* no thread may accept (and write the host key to a temporary
	 * file) while the ids change under it */
	if ((rc = nb_netconf_drop_privileges(cfg ? cfg->user : NULL)) != 0) {
		nc_ps_free(nbnc.ps);
		nbnc.ps = NULL;
		goto fail_server;
	}
	atomic_store(&nbnc.stop, false);
	nbnc.npoll = cfg && cfg->poll_threads ? cfg->poll_threads : 3;
	if (nbnc.npoll > NBNC_MAX_POLL)
		nbnc.npoll = NBNC_MAX_POLL;
	/* one poll thread always free of slow filters; with one, one at a time */
	nbnc_xpath_set_slots(nbnc.npoll > 1 ? nbnc.npoll - 1 : 1);
	atomic_store(&nbnc.live_threads, 1 + (int)nbnc.npoll);
	for (unsigned i = 0; i < nbnc.npoll; i++)
		pthread_create(&nbnc.poll_thr[i], NULL, nbnc_poll_main, NULL);
	pthread_create(&nbnc.accept_thr, NULL, nbnc_accept_main, NULL);
	nbnc.started = true;
	nbnc.started_at = time(NULL);
	log_info(LOG_MOD_NB, "netconf: listening on [%s]:%u (host key %s)", nbnc.addr,
	    nbnc.port, nbnc.hostkey);
	/* a commit seen between the hello and now */
	nbnc.endpt_pending = true;
	uv_timer_start(&nbnc.endpt_timer, nbnc_endpoint_run, 0, 0);
	return 0;

fail_server:
	nc_server_destroy();
fail:
	return rc;
}

int
nb_netconf_connect(int fd)
{
	struct nb_err err = { 0 };
	int	      rc;

	if ((rc = nb_netconf_init(&err)) != 0) {
		log_err(LOG_MOD_NB, "netconf: %s: %s", err.path, err.msg);
		return rc;
	}
	if (!nbnc.inited) {
		/* the users and the endpoint follow running, which follows
		 * hybridgwd's: its commits are applied here as commits */
		nb_module_register(&nbnc_module);
		if (uv_timer_init(loop_get(), &nbnc.endpt_timer) != 0)
			return -ENOMEM;
		nbnc.endpt_timer_init = true;
		nbnc.inited = true;
	}
	/* replayed events come with the hello */
	if ((rc = nbnc_notify_start()) != 0)
		return rc;
	return nbnc_chan_open(fd);
}

void
nb_netconf_stop(void)
{
	uv_loop_t *loop = loop_get();

	if (nbnc.started) {
		atomic_store(&nbnc.stop, true);
		/* Poll threads may be waiting in loop_call(): keep the loop turning. */
		while (atomic_load(&nbnc.live_threads) > 0) {
			if (loop)
				uv_run(loop, UV_RUN_NOWAIT);
			usleep(5 * 1000);
		}
		pthread_join(nbnc.accept_thr, NULL);
		for (unsigned i = 0; i < nbnc.npoll; i++)
			pthread_join(nbnc.poll_thr[i], NULL);
	}
	nbnc_notify_stop();
	pthread_mutex_lock(&nbnc_sess_mtx);
	while (nbnc_sessions) {
		struct nbnc_sess *s = nbnc_sessions;

		nbnc_sessions = s->next;
		free(s);
	}
	pthread_mutex_unlock(&nbnc_sess_mtx);
	if (nbnc.started) {
		nc_ps_clear(nbnc.ps, 1, NULL);
		nc_ps_free(nbnc.ps);
		nbnc.ps = NULL;
	}
	nbnc_ds_fini();
	nbnc_chan_close();
	if (nbnc.started)
		nc_server_destroy();
	if (nbnc.endpt_timer_init && !uv_is_closing((uv_handle_t *)&nbnc.endpt_timer))
		uv_close((uv_handle_t *)&nbnc.endpt_timer, NULL);
	nbnc.endpt_timer_init = false;
	pthread_mutex_lock(&nbnc_users_mtx);
	nbnc_users_free(nbnc_users_cur);
	nbnc_users_cur = NULL;
	pthread_mutex_unlock(&nbnc_users_mtx);
	if (nbnc.hostkey_b64) {
		OPENSSL_cleanse(nbnc.hostkey_b64, nbnc.hostkey_len);
		free(nbnc.hostkey_b64);
		nbnc.hostkey_b64 = NULL;
	}
	nbnc.started = false;
}
