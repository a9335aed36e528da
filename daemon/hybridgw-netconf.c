/* daemon/hybridgw-netconf.c - hybridgw-netconf: the NETCONF server, unprivileged, started and supervised by hybridgwd. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_netconf.h"
#include "northbound/northbound.h"

/*
 * hybridgwd starts this process (northbound/nb_nc_proc.c) with the
 * channel as fd 3. It connects (the running config and the users come
 * over it), binds the NETCONF endpoint and reads the SSH host key as
 * root, then becomes an unprivileged user for good. It holds no
 * configuration of its own: every commit, state read and RPC is
 * hybridgwd's. When the channel ends it exits; hybridgwd starts another.
 */

static uv_signal_t sig_term, sig_int;

/* libnetconf2 binds its endpoint with bind(): exported (daemon/
 * CMakeLists.txt) so that a port below 1024 is bound by hybridgwd once
 * this process has no privilege (northbound/nb_nc_priv.c). */
int bind(int, const struct sockaddr *, socklen_t);

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return nb_netconf_bind(fd, sa, len);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hybridgw-netconf --channel-fd FD [-n LISTEN] [-S STATE_DIR] [-y YANG_DIR]\n"
	    "                        [-u USER] [-d DEBUG] [--foreground]\n"
	    "Started by hybridgwd, never by hand: FD is its end of the channel.\n");
	exit(2);
}

static void
on_stop(uv_signal_t *s, int signum)
{
	log_info(LOG_MOD_NB, "netconf: signal %d: stopping", signum);
	loop_stop();
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "channel-fd", required_argument, NULL, 'C' },
		{ "netconf", required_argument, NULL, 'n' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "yang-dir", required_argument, NULL, 'y' },
		{ "user", required_argument, NULL, 'u' },
		{ "debug", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nb_netconf_cfg cfg = { .state_dir = "/var/lib/hybridgw" };
	struct nb_err	      e = { 0 };
	const char	     *yang = HGW_YANG_DIR, *user = NULL, *dbg = NULL;
	const char	     *listen_arg = NULL;
	char		      addr[64];
	bool		      fg = false;
	int		      c, fd = -1, type = 0, rc = 1;
	socklen_t	      tl = sizeof(type);

	while ((c = getopt_long(argc, argv, "C:n:S:y:u:d:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			fd = atoi(optarg);
			break;
		case 'n':
			listen_arg = optarg;
			break;
		case 'S':
			cfg.state_dir = optarg;
			break;
		case 'y':
			yang = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'd':
			dbg = optarg;
			break;
		case 'f':
			fg = true;
			break;
		default:
			usage();
		}
	}
	if (fd < 3 || optind != argc)
		usage();
	log_init("hybridgw-netconf", LOG_LVL_INFO, fg);
	log_set_tag("hybridgw-netconf");
	if (dbg && log_set_debug(dbg) != 0) {
		fprintf(stderr, "hybridgw-netconf: unknown debug module in '%s'\n", dbg);
		return 2;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM) {
		fprintf(stderr, "hybridgw-netconf: fd %d is not hybridgwd's channel\n", fd);
		return 2;
	}
	if (listen_arg &&
	    nb_netconf_listen_parse(listen_arg, addr, sizeof(addr), &cfg.port) != 0) {
		fprintf(stderr, "hybridgw-netconf: bad listen address '%s'\n", listen_arg);
		return 2;
	}
	if (listen_arg && addr[0])
		cfg.address = addr;
	signal(SIGPIPE, SIG_IGN);
	if (loop_init() != 0) {
		fprintf(stderr, "hybridgw-netconf: cannot start the event loop\n");
		return 1;
	}
	if (nb_init(yang, &e) != 0 || nb_netconf_init(&e) != 0) {
		log_err(LOG_MOD_NB, "netconf: YANG: %s: %s", e.path, e.msg);
		goto out;
	}
	if ((c = nb_netconf_connect(fd)) != 0) {
		log_err(LOG_MOD_NB, "netconf: channel to hybridgwd: %s", strerror(-c));
		goto out;
	}
	/* the endpoint (port 830) and the host key as root, then no root */
	cfg.user = user;
	if ((c = nb_netconf_start(&cfg)) != 0) {
		/* some causes (the server's init, no memory) are logged only here */
		log_err(LOG_MOD_NB, "netconf: not started: %s", strerror(-c));
		goto out;
	}
	uv_signal_init(loop_get(), &sig_term);
	uv_signal_init(loop_get(), &sig_int);
	uv_signal_start(&sig_term, on_stop, SIGTERM);
	uv_signal_start(&sig_int, on_stop, SIGINT);
	loop_run();
	rc = 0;
out:
	nb_netconf_stop();
	nb_fini();
	loop_fini();
	return rc;
}
