/* daemon/hybridgwd.c - hybridgwd: load and validate config, wire the modules, run the loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/northbound.h"

#define DEFAULT_CTL	"/run/hybridgw/hybridgwd.sock"

static const char	*cfg_path;
static uv_signal_t	 sig_term, sig_int, sig_hup;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hybridgwd -c CONFIG [-s CTL_SOCKET] [-y YANG_DIR] [-d DEBUG] [--foreground]\n"
	    "  -c, --config FILE      YANG data (XML or JSON), validated before anything starts\n"
	    "  -s, --socket PATH      control socket for hybridgwctl (default " DEFAULT_CTL ")\n"
	    "  -y, --yang-dir DIR     YANG modules (default " HGW_YANG_DIR ")\n"
	    "  -d, --debug LIST       debug logs for modules: core,bgp,failover,bfd,fib,vpn,nb or all\n"
	    "  -f, --foreground       log to stderr instead of syslog\n"
	    "  -t, --check            validate the config and exit\n");
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
	loop_stop();
}

/* SIGHUP: re-read the config file; a file that does not validate or apply
 * is refused whole and the daemon keeps running on what it had. */
static void
on_hup(uv_signal_t *s, int signum)
{
	struct lyd_node	*tree = NULL;
	struct nb_err	 e = { 0 };

	if (nb_config_parse_file(cfg_path, &tree, &e) != 0 || nb_commit(tree, &e) != 0) {
		log_err(LOG_MOD_CORE, "SIGHUP: %s refused, keeping the running config: %s%s%s",
		    cfg_path, e.path, e.path[0] ? ": " : "", e.msg);
		return;
	}
	log_info(LOG_MOD_CORE, "SIGHUP: configuration reloaded from %s", cfg_path);
}

static uint32_t
cfg_kernel_table(const struct lyd_node *tree)
{
	struct lyd_node	*l = NULL;

	if (tree && lyd_find_path(tree, "kernel-table", 0, &l) == LY_SUCCESS && l)
		return (uint32_t)strtoul(lyd_get_value(l), NULL, 10);
	return 254;
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*ctl = DEFAULT_CTL, *yang = getenv("HGW_YANG_DIR"), *dbg = NULL;
	bool		 fg = false, check = false;
	struct lyd_node	*tree = NULL;
	struct nb_err	 e = { 0 };
	int		 c, rc = 1;

	if (!yang)
		yang = HGW_YANG_DIR;
	while ((c = getopt_long(argc, argv, "c:s:y:d:fth", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 's': ctl = optarg; break;
		case 'y': yang = optarg; break;
		case 'd': dbg = optarg; break;
		case 'f': fg = true; break;
		case 't': check = true; break;
		default: usage();
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
	if (nb_init(yang, &e) != 0) {
		print_err("YANG", &e);
		goto out;
	}
	/* Validate the whole file before anything starts. */
	if (nb_config_parse_file(cfg_path, &tree, &e) != 0) {
		print_err(cfg_path, &e);
		goto out;
	}
	nb_startup_path_set(cfg_path);
	if (nb_gateway_init(cfg_kernel_table(tree), &e) != 0) {
		print_err("start", &e);
		lyd_free_all(tree);
		goto out;
	}
	if (check) {
		rc = nb_check(tree, &e) == 0 ? 0 : 1;
		if (rc)
			print_err(cfg_path, &e);
		else
			printf("%s: configuration is valid\n", cfg_path);
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
	uv_signal_init(loop_get(), &sig_term);
	uv_signal_init(loop_get(), &sig_int);
	uv_signal_init(loop_get(), &sig_hup);
	uv_signal_start(&sig_term, on_stop, SIGTERM);
	uv_signal_start(&sig_int, on_stop, SIGINT);
	uv_signal_start(&sig_hup, on_hup, SIGHUP);
	log_info(LOG_MOD_CORE, "hybridgwd %s running on %s (control socket %s)", HGW_VERSION,
	    cfg_path, ctl);
	loop_run();
	nb_ctl_stop();
	rc = 0;
out:
	nb_gateway_fini();
	nb_fini();
	loop_fini();
	if (rc == 0)
		log_info(LOG_MOD_CORE, "stopped");
	return rc;
}
