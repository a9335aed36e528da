/* tests/bench/bgp-ingest/bgp_ingest.c - the BGP speaker alone (no route manager, no FIB) as an ingest receiver. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "lib/log.h"
#include "lib/loop.h"

/*
 * bgp_ingest LOCAL_AS ROUTER_ID PEER PEER_AS N: one session to PEER; when
 * N paths have reached the path_add hook, print
 *   DONE n=N start_ms=... established_ms=... hwm_kb=...
 * (times from process start) and exit. The hook does what a cheap route
 * manager would: count. So this measures decode + Adj-RIB-In + hook calls.
 */
static uint64_t		 t_start, t_up;
static unsigned long	 n_want, n_got;
static struct bgp	*bgp;

static long
vm_hwm_kb(void)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static void
h_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *pi)
{
	if (++n_got == n_want) {
		uint64_t now = mono_ms();

		printf("DONE n=%lu start_ms=%llu established_ms=%llu hwm_kb=%ld\n", n_got,
		    (unsigned long long)(now - t_start), (unsigned long long)(now - t_up),
		    vm_hwm_kb());
		fflush(stdout);
		loop_stop();
	}
}

static void
h_session(void *arg, uint32_t src, bool up, bool hold)
{
	if (up)
		t_up = mono_ms();
}

static const struct bgp_hooks hooks = { .path_add = h_add, .session = h_session };

int
main(int argc, char **argv)
{
	struct bgp_global_cfg	 g = { 0 };
	struct bgp_peer_cfg	 pc;
	struct ipaddr		 id;
	struct bgp_peer		*peer;

	if (argc != 6) {
		fprintf(stderr, "usage: bgp_ingest LOCAL_AS ROUTER_ID PEER PEER_AS N\n");
		return 2;
	}
	t_start = mono_ms();
	log_init("bgp_ingest", LOG_LVL_WARN, true);
	if (loop_init() != 0 || ipaddr_parse(argv[2], &id) != 0)
		return 1;
	g.local_as = (uint32_t)strtoul(argv[1], NULL, 10);
	g.router_id = (uint32_t)id.bytes[0] << 24 | (uint32_t)id.bytes[1] << 16 |
	    (uint32_t)id.bytes[2] << 8 | id.bytes[3];
	n_want = strtoul(argv[5], NULL, 10);
	if (!(bgp = bgp_new(loop_get(), &g, &hooks, NULL)))
		return 1;
	memset(&pc, 0, sizeof(pc));
	snprintf(pc.name, sizeof(pc.name), "sender");
	if (ipaddr_parse(argv[3], &pc.remote) != 0)
		return 1;
	pc.remote_as = (uint32_t)strtoul(argv[4], NULL, 10);
	pc.hold_time = 240;
	pc.connect_retry = 1;
	pc.ipv4_unicast = true;
	pc.rib_source = 1;
	if (bgp_peer_add(bgp, &pc, &peer) != 0)
		return 1;
	loop_run();
	bgp_free(bgp);
	loop_fini();
	return n_got >= n_want ? 0 : 1;
}
