/* northbound/nb_nc_proc.c - hybridgwd starts hybridgw-netconf, gives it the channel, and starts it again when it dies. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_chan_srv.h"

/*
 * The NETCONF server runs in its own process (privilege separation, as
 * OpenBGPD and OpenIKED do it): whatever a client makes it do - crash,
 * hang, be killed - the routing process goes on and starts a new one at
 * once. A process that keeps dying is started again later and later
 * (NP_BURST exits in NP_WINDOW_MS: 1 s, 2 s, ... up to a minute), and said
 * so in the log: a crash loop must not eat the CPU the routing needs.
 */
#define NP_WINDOW_MS	30000
#define NP_BURST	5
#define NP_MAX_DELAY_MS 60000
#define NP_STOP_MS	5000

static struct {
	bool	     on;
	bool	     stopping;
	char	     exe[PATH_MAX];
	char	    *argv[24];
	int	     argc;
	uv_process_t proc;
	bool	     running; /* proc is a live child */
	uv_timer_t   restart;
	bool	     restart_init;
	uint64_t     exits[NP_BURST * 2]; /* when the last ones ended */
	size_t	     nexits;
	uint64_t     starts;
} np;

static void np_spawn(void);

static void
np_arg(const char *s)
{
	if (np.argc < (int)(sizeof(np.argv) / sizeof(np.argv[0])) - 1)
		np.argv[np.argc++] = strdup(s);
}

static void
np_restart_cb(uv_timer_t *t)
{
	if (!np.stopping && !np.running)
		np_spawn();
}

static void
np_closed(uv_handle_t *h)
{
	uint64_t now = mono_ms(), delay = 0;
	size_t	 recent = 0;

	np.running = false;
	if (np.stopping)
		return;
	/* how soon: at once, unless it keeps dying */
	for (size_t i = 0; i < np.nexits; i++)
		recent += now - np.exits[i] < NP_WINDOW_MS;
	if (recent >= NP_BURST) {
		delay = 1000ull << (recent - NP_BURST < 6 ? recent - NP_BURST : 6);
		if (delay > NP_MAX_DELAY_MS)
			delay = NP_MAX_DELAY_MS;
		log_err(LOG_MOD_NB,
		    "netconf: hybridgw-netconf ended %zu times in %d s: a crash loop; "
		    "next start in %llu s",
		    recent, NP_WINDOW_MS / 1000, (unsigned long long)(delay / 1000));
	}
	uv_timer_start(&np.restart, np_restart_cb, delay, 0);
}

static void
np_exit(uv_process_t *p, int64_t status, int sig)
{
	uint64_t now = mono_ms();

	np.running = false; /* reaped: never signal its pid again */
	if (np.stopping)
		log_info(LOG_MOD_NB, "netconf: hybridgw-netconf stopped");
	else if (sig)
		log_warn(LOG_MOD_NB,
		    "netconf: hybridgw-netconf (pid %d) killed by signal %d; "
		    "routing goes on, starting it again",
		    p->pid, sig);
	else
		log_warn(LOG_MOD_NB,
		    "netconf: hybridgw-netconf (pid %d) exited with status %lld; "
		    "starting it again",
		    p->pid, (long long)status);
	if (np.nexits == sizeof(np.exits) / sizeof(np.exits[0])) {
		memmove(np.exits, np.exits + 1, sizeof(np.exits) - sizeof(np.exits[0]));
		np.nexits--;
	}
	np.exits[np.nexits++] = now;
	/* its sessions are gone with it (RFC 6241 8.4: their confirmed commit) */
	if (!np.stopping)
		nb_chan_srv_lost("exited");
	uv_close((uv_handle_t *)p, np_closed);
}

/* The channel broke while the process runs (it broke the protocol, or
 * closed it): it cannot serve anything, so it goes. */
static void
np_chan_dead(void *arg)
{
	if (np.running && !uv_is_closing((uv_handle_t *)&np.proc))
		uv_process_kill(&np.proc, SIGKILL);
}

static void
np_spawn(void)
{
	uv_process_options_t o = { 0 };
	uv_stdio_container_t st[4];
	int		     sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_err(LOG_MOD_NB, "netconf: socketpair: %s", strerror(errno));
		uv_timer_start(&np.restart, np_restart_cb, 1000, 0);
		return;
	}
	st[0].flags = UV_IGNORE;
	st[1].flags = UV_INHERIT_FD;
	st[1].data.fd = 1;
	st[2].flags = UV_INHERIT_FD;
	st[2].data.fd = 2;
	st[3].flags = UV_INHERIT_FD; /* the channel is its fd 3 */
	st[3].data.fd = sv[1];
	o.file = np.exe;
	o.args = np.argv;
	o.stdio = st;
	o.stdio_count = 4;
	o.exit_cb = np_exit;
	if ((rc = uv_spawn(loop_get(), &np.proc, &o)) != 0) {
		log_err(LOG_MOD_NB, "netconf: cannot start %s: %s", np.exe, uv_strerror(rc));
		close(sv[0]);
		close(sv[1]);
		/* uv_spawn() failing leaves a handle to close */
		uv_close((uv_handle_t *)&np.proc, np_closed);
		np.running = true; /* until np_closed() */
		return;
	}
	close(sv[1]);
	np.running = true;
	np.starts++;
	if ((rc = nb_chan_srv_attach(sv[0], np_chan_dead, NULL)) != 0) {
		log_err(LOG_MOD_NB, "netconf: channel: %s", strerror(-rc));
		close(sv[0]);
		uv_process_kill(&np.proc, SIGKILL);
		return;
	}
	log_info(LOG_MOD_NB, "netconf: started hybridgw-netconf (pid %d)", np.proc.pid);
}

int
nb_netconf_proc_start(const struct nb_netconf_proc_cfg *cfg)
{
	char	 self[PATH_MAX], *slash;
	ssize_t	 n;
	char	 addr[64];
	uint16_t port = 0;

	if (np.on)
		return -EALREADY;
	if (cfg->listen && nb_netconf_listen_parse(cfg->listen, addr, sizeof(addr), &port) != 0)
		return -EINVAL;
	if (cfg->exe) {
		snprintf(np.exe, sizeof(np.exe), "%s", cfg->exe);
	} else {
		/* beside this executable (the build tree, or /usr/sbin) */
		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
			return -errno;
		self[n] = '\0';
		if ((slash = strrchr(self, '/')))
			*slash = '\0';
		if (snprintf(np.exe, sizeof(np.exe), "%s/hybridgw-netconf", self) >=
		    (int)sizeof(np.exe))
			return -ENAMETOOLONG;
	}
	if (access(np.exe, X_OK) != 0)
		return -errno;
	/* A hybridgwd started by systemd as its user holds the network
	 * capabilities as ambient ones (the unit's AmbientCapabilities=), and
	 * an exec would pass them on: the NETCONF process must have none.
	 * hybridgwd keeps its own (permitted, effective); it execs nothing else. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) != 0)
		log_warn(LOG_MOD_NB, "netconf: cannot clear the ambient capabilities: %s",
		    strerror(errno));
	nb_chan_srv_endpoint(cfg->listen ? addr : NULL, port);
	np_arg(np.exe);
	np_arg("--channel-fd");
	np_arg("3");
	if (cfg->yang_dir) {
		np_arg("-y");
		np_arg(cfg->yang_dir);
	}
	if (cfg->listen) {
		np_arg("-n");
		np_arg(cfg->listen);
	}
	if (cfg->state_dir) {
		np_arg("-S");
		np_arg(cfg->state_dir);
	}
	if (cfg->user) {
		np_arg("-u");
		np_arg(cfg->user);
	}
	if (cfg->debug) {
		np_arg("-d");
		np_arg(cfg->debug);
	}
	if (cfg->foreground)
		np_arg("--foreground");
	np.argv[np.argc] = NULL;
	if (uv_timer_init(loop_get(), &np.restart) != 0)
		return -ENOMEM;
	np.restart_init = true;
	np.on = true;
	np.stopping = false;
	np_spawn();
	return 0;
}

static void
np_stop_timeout(uv_timer_t *t)
{
	if (np.running && !uv_is_closing((uv_handle_t *)&np.proc)) {
		log_warn(LOG_MOD_NB, "netconf: hybridgw-netconf does not stop: killing it");
		uv_process_kill(&np.proc, SIGKILL);
	}
}

void
nb_netconf_proc_stop(void)
{
	uv_loop_t *loop = loop_get();

	if (!np.on)
		return;
	np.stopping = true;
	uv_timer_stop(&np.restart);
	/* no confirmed commit is rolled back by hybridgwd stopping; the
	 * process stops on SIGTERM (and its sanitizer, if any, has its say) */
	nb_chan_srv_quiet();
	if (np.running) {
		if (!uv_is_closing((uv_handle_t *)&np.proc))
			uv_process_kill(&np.proc, SIGTERM);
		uv_timer_start(&np.restart, np_stop_timeout, NP_STOP_MS, 0);
		while (np.running)
			uv_run(loop, UV_RUN_ONCE);
		uv_timer_stop(&np.restart);
	}
	nb_chan_srv_detach();
	uv_close((uv_handle_t *)&np.restart, NULL);
	np.restart_init = false;
	for (int i = 0; i < np.argc; i++)
		free(np.argv[i]);
	np.argc = 0;
	np.on = false;
}

bool
nb_netconf_proc_running(int *pid)
{
	if (pid)
		*pid = np.running ? np.proc.pid : 0;
	return np.running && nb_chan_srv_ready();
}
