/* northbound/nb_netconf.h - NETCONF (RFC 6241 over SSH, RFC 6242): the server process and its supervisor in hybridgwd. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_NETCONF_H
#define HGW_NB_NETCONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <libyang/libyang.h>

#include "northbound/northbound.h"

/*
 * The NETCONF server runs in its own unprivileged process, hybridgw-netconf
 * (daemon/hybridgw-netconf.c): SSH, XML, libnetconf2, the framing guard,
 * filters, sessions, candidate and locks. hybridgwd keeps the running
 * configuration, the confirmed-commit timer and the startup datastore, and
 * serves the NETCONF process over a channel (nb_chan.h). docs/northbound.md
 * says what lives where.
 *
 * hybridgwd:
 *	nb_init(yang_dir, &err);
 *	nb_netconf_init(&err);		the NETCONF modules, before any config
 *	nb_chan_srv_init();		(nb_chan_srv.h) before the first commit
 *	... parse + nb_commit() the config ...
 *	nb_netconf_proc_start(&pcfg);
 *	loop_run();
 *	nb_netconf_proc_stop();		after loop_run() returned
 *
 * hybridgw-netconf:
 *	nb_init(yang_dir, &err);
 *	nb_netconf_init(&err);
 *	nb_netconf_connect(fd, &cfg);	the channel: running config, users
 *	nb_netconf_start(&cfg);		host key, endpoint (as root), then no
 *					privilege, then the threads
 *	loop_run();
 *	nb_netconf_stop();
 */

/* Load the NETCONF modules (ietf-netconf with its features, with-defaults,
 * monitoring, notifications, hybridgw-netconf) into nb_ctx(). Idempotent. */
int nb_netconf_init(struct nb_err *);

/* "[ADDR]:PORT", "ADDR:PORT", "PORT" or "ADDR" (-n): addr "" and port 0
 * when not given. 0 or -EINVAL. */
int nb_netconf_listen_parse(const char *s, char *addr, size_t len, uint16_t *port);

/* ------------------------------------------------- hybridgwd: supervisor */

struct nb_netconf_proc_cfg {
	const char *exe;       /* NULL: hybridgw-netconf beside hybridgwd */
	const char *listen;    /* -n as given; NULL: [::]:830 */
	const char *state_dir; /* the SSH host key lives here */
	const char *yang_dir;
	const char *user;	/* NULL: "hybridgw" if it exists, else "nobody" */
	const char *debug;	/* -d list, or NULL */
	bool	    foreground; /* log to stderr */
};
/* Start hybridgw-netconf and keep it running (loop thread). 0 or -errno
 * (the executable missing, a bad listen string). */
int nb_netconf_proc_start(const struct nb_netconf_proc_cfg *);
/* Stop it (SIGTERM, then SIGKILL after 5 s); after loop_run() returned. */
void nb_netconf_proc_stop(void);
/* Is a NETCONF process up and talking? Its pid in *pid (0: none). */
bool nb_netconf_proc_running(int *pid);

/* -------------------------------------------- hybridgw-netconf: server */

struct nb_netconf_cfg {
	const char *address;	  /* NULL = "::" (all addresses, v4 mapped) */
	uint16_t    port;	  /* 0 = 830 */
	const char *state_dir;	  /* host key lives here; created when absent */
	unsigned    poll_threads; /* 0 = 3 */
	const char *user;	  /* NULL: "hybridgw" if it exists, else "nobody" */
};

/* The channel to hybridgwd on fd (taken): hello, then the running
 * configuration, the users and the confirmed-commit state. 0 or -errno. */
int nb_netconf_connect(int fd);
/* Host key (read now), endpoint (bound now), then the privileges go
 * (nb_netconf_drop_privileges(cfg->user)), then the threads start. The
 * listen address/port in the running config
 * (/hgw:gateway/hgwnc:netconf/listen) win over cfg. 0 or -errno (the
 * process must then exit). */
int nb_netconf_start(const struct nb_netconf_cfg *);
/* Become user (NULL: "hybridgw" if it exists, else "nobody"): no root, no
 * capability, no way back. 0 or -errno. */
int nb_netconf_drop_privileges(const char *user);
/* bind(2) for the executable to export (see nb_nc_priv.c). */
int  nb_netconf_bind(int fd, const struct sockaddr *, socklen_t);
void nb_netconf_stop(void);

#endif
