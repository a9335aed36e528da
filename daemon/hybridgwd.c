/* daemon/hybridgwd.c - hybridgwd: load and validate config, wire the modules, run the loop. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/hgwd.h"
#include "gateway/gateway.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/northbound.h"
#include "northbound/nb_chan_srv.h"
#include "northbound/nb_netconf.h"

#define DEFAULT_CTL "/run/hybridgw/hybridgwd.sock"

static const char *cfg_path;
static uv_signal_t sig_term, sig_int, sig_hup;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hybridgwd -c CONFIG [-s CTL_SOCKET] [-y YANG_DIR] [-d DEBUG] [-u USER] [--foreground]\n"
	    "  -c, --config FILE      YANG data (XML or JSON), validated before anything starts\n"
	    "  -s, --socket PATH      control socket for hybridgwctl (default " DEFAULT_CTL
	    ")\n"
	    "  -y, --yang-dir DIR     YANG modules (default " HGW_YANG_DIR ")\n"
	    "  -d, --debug LIST       debug logs for modules: core,bgp,failover,bfd,fib,vpn,nb or all\n"
	    "  -f, --foreground       log to stderr instead of syslog\n"
	    "  -n, --netconf LISTEN   NETCONF over SSH on [ADDR]:PORT (default [::]:830 when the\n"
	    "                         config has /gateway/netconf; 'off' disables it), served by\n"
	    "                         hybridgw-netconf, an unprivileged process hybridgwd supervises\n"
	    "  -U, --netconf-user U   the user hybridgw-netconf runs as when hybridgwd is root\n"
	    "                         (default hybridgw, else nobody); with --user, that user\n"
	    "  -S, --state-dir DIR    SSH host key and other state (default /var/lib/hybridgw)\n"
	    "  -u, --user USER        drop root once started: run as USER keeping only\n"
	    "                         CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE\n"
	    "  -t, --check            validate the config and exit\n"
	    "  -V, --version          print the version and exit\n");
	exit(2);
}

static void
print_err(const char *what, const struct nb_err *e)
{
	if (e->path[0])
		fprintf(stderr, "hybridgwd: %s: %s: %s\n", what, e->path, e->msg);
	else
		fprintf(stderr, "hybridgwd: %s: %s\n", what, e->msg);
}

static void
on_stop(uv_signal_t *s, int signum)
{
	log_info(LOG_MOD_CORE, "signal %d: stopping", signum);
	hgwd_notify_stopping();
	loop_stop();
}

/* SIGHUP: re-read the config file; a file that does not validate or apply
 * is refused whole and the daemon keeps running on what it had. */
static void
on_hup(uv_signal_t *s, int signum)
{
	struct lyd_node *tree = NULL;
	struct nb_err	 e = { 0 };

	hgwd_notify_reloading();
	if (nb_config_parse_file(cfg_path, &tree, &e) != 0 || nb_commit(tree, &e) != 0) {
		log_err(LOG_MOD_CORE, "SIGHUP: %s refused, keeping the running config: %s%s%s",
		    cfg_path, e.path, e.path[0] ? ": " : "", e.msg);
		hgwd_notify_ready("running; last reload refused (see the log)");
		return;
	}
	log_info(LOG_MOD_CORE, "SIGHUP: configuration reloaded from %s", cfg_path);
	hgwd_notify_ready("running");
}

/* Is /gateway/netconf in the running config? */
static bool
netconf_configured(void)
{
	struct ly_set *set = NULL;
	bool	       yes;

	if (!nb_running() ||
	    lyd_find_xpath(nb_running(), "/hybridgw:gateway/hybridgw-netconf:netconf", &set) !=
		LY_SUCCESS)
		return false;
	yes = set->count > 0;
	ly_set_free(set, NULL);
	return yes;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "yang-dir", required_argument, NULL, 'y' },
		{ "debug", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 't' },
		{ "netconf", required_argument, NULL, 'n' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "netconf-user", required_argument, NULL, 'U' },
		{ "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctl = DEFAULT_CTL, *yang = getenv("HGW_YANG_DIR"), *dbg = NULL;
	const char *nc_listen = NULL, *state_dir = "/var/lib/hybridgw", *nc_user = NULL;
	const char *user = NULL;
	struct nb_netconf_proc_cfg pcfg = { 0 };
	bool			   nc_on = false;
	bool			   fg = false, check = false;
	struct lyd_node		  *tree = NULL;
	struct nb_err		   e = { 0 };
	int			   c, rc = 1;

	if (!yang)
		yang = HGW_YANG_DIR;
	while ((c = getopt_long(argc, argv, "c:s:y:d:ftn:S:u:U:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 's':
			ctl = optarg;
			break;
		case 'y':
			yang = optarg;
			break;
		case 'd':
			dbg = optarg;
			break;
		case 'f':
			fg = true;
			break;
		case 't':
			check = true;
			break;
		case 'n':
			nc_listen = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'U':
			nc_user = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'V':
			printf("hybridgwd %s\n", HGW_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (!cfg_path || optind != argc)
		usage();
	log_init("hybridgwd", LOG_LVL_INFO, fg || check);
	if (dbg && log_set_debug(dbg) != 0) {
		fprintf(stderr, "hybridgwd: unknown debug module in '%s'\n", dbg);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (loop_init() != 0) {
		fprintf(stderr, "hybridgwd: cannot start the event loop\n");
		return 1;
	}
	if (nb_init(yang, &e) != 0 || nb_netconf_init(&e) != 0) {
		print_err("YANG", &e);
		goto out;
	}
	/* every commit: the NETCONF users checked, hybridgw-netconf told */
	nb_chan_srv_init();
	/* Validate the whole file before anything starts. */
	if (nb_config_parse_file(cfg_path, &tree, &e) != 0) {
		print_err(cfg_path, &e);
		goto out;
	}
	nb_startup_path_set(cfg_path);
	/* ... and every check a commit makes, before the kernel is touched. */
	gateway_register();
	if (nb_check(tree, &e) != 0) {
		print_err(cfg_path, &e);
		lyd_free_all(tree);
		goto out;
	}
	if (check) {
		printf("%s: configuration is valid\n", cfg_path);
		lyd_free_all(tree);
		rc = 0;
		goto out;
	}
	if (user && hgwd_priv_drop(user, tree, ctl, state_dir, cfg_path) != 0) {
		lyd_free_all(tree);
		goto out;
	}
	if (gateway_start(tree, &e) != 0) {
		print_err("start", &e);
		lyd_free_all(tree);
		goto out;
	}
	if (nb_commit(tree, &e) != 0) {
		print_err(cfg_path, &e);
		goto out;
	}
	if (strcmp(ctl, DEFAULT_CTL) == 0)
		mkdir("/run/hybridgw", 0750);
	if ((c = nb_ctl_start(ctl)) != 0) {
		fprintf(stderr, "hybridgwd: control socket %s: %s\n", ctl, strerror(-c));
		goto out;
	}
	if (nc_listen && strcmp(nc_listen, "off") != 0)
		nc_on = true;
	else if (!nc_listen)
		nc_on = netconf_configured();
	pcfg.exe = getenv("HGW_NETCONF_EXE");
	pcfg.listen = nc_on && nc_listen ? nc_listen : NULL;
	pcfg.state_dir = state_dir;
	pcfg.yang_dir = yang;
	pcfg.user = nc_user;
	pcfg.debug = dbg;
	pcfg.foreground = fg;
	if (nc_on && (c = nb_netconf_proc_start(&pcfg)) != 0) {
		fprintf(stderr, "hybridgwd: NETCONF on %s: %s\n",
		    nc_listen ? nc_listen : "[::]:830",
		    c == -ENOENT ? "hybridgw-netconf is not installed beside hybridgwd" :
				   strerror(-c));
		nb_ctl_stop();
		goto out;
	}
	uv_signal_init(loop_get(), &sig_term);
	uv_signal_init(loop_get(), &sig_int);
	uv_signal_init(loop_get(), &sig_hup);
	uv_signal_start(&sig_term, on_stop, SIGTERM);
	uv_signal_start(&sig_int, on_stop, SIGINT);
	uv_signal_start(&sig_hup, on_hup, SIGHUP);
	log_info(LOG_MOD_CORE, "hybridgwd %s running on %s (control socket %s)", HGW_VERSION,
	    cfg_path, ctl);
	hgwd_notify_ready("running");
	loop_run();
	nb_netconf_proc_stop();
	nb_ctl_stop();
	rc = 0;
out:
	gateway_fini();
	nb_chan_srv_fini();
	nb_fini();
	loop_fini();
	if (rc == 0)
		log_info(LOG_MOD_CORE, "stopped");
	return rc;
}
