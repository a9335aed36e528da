/* tests/unit/failover/test_rib_loop.c - the route manager on the libuv loop: idle work, failback timers, notifications. */
/* SPDX-License-Identifier: ISC */
#include "test_rib_util.h"

#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "tests/unit/include/test_time.h"

static int			notified;
static struct rib_journal_entry last;

static int
t_notify(void *arg, const struct rib_journal_entry *e)
{
	(void)arg;
	notified++;
	last = *e;
	return 0;
}

/* Active class without settling: what the loop did by itself. */
static int
t_cls_now(struct rib *rib, const char *pfx)
{
	struct t_route_q q;

	memset(&q, 0, sizeof(q));
	q.want = P(pfx);
	rib_route_walk(rib, &q.want, t_route_cb, &q);
	return q.found && q.st.has_active ? (int)q.st.active_class : -1;
}

static void
t_spin(unsigned ms)
{
	uint64_t end = mono_ms() + ms;

	while (mono_ms() < end) {
		uv_run(loop_get(), UV_RUN_NOWAIT);
		usleep(1000);
	}
}

/* Run the loop until cond holds, for at most ms (stretched by
 * HGW_TEST_TIME_SCALE): the background slices take what the machine gives
 * them, so the test waits for the outcome, never for a time. */
#define T_SPIN_UNTIL(cond, ms)                                                \
	do {                                                                  \
		uint64_t end_ = mono_ms() + (uint64_t)(ms)*test_time_scale(); \
                                                                              \
		while (!(cond) && mono_ms() < end_)                           \
			t_spin(1);                                            \
	} while (0)

static void
test_loop_work_and_failback(void **state)
{
	struct rib_cfg cfg;
	struct rib    *rib;
	rib_source_id  cir, vpn;
	char	       pfx[32];
	uint64_t       up_at;
	int	       i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy.maximum_paths = 1;
	cfg.policy.failback_delay_s = 2;
	rib = rib_new(&cfg);
	assert_non_null(rib);
	rib_journal_subscribe(rib, t_notify, NULL);
	cir = t_src(rib, "er1 primary", "er1", RIB_CLASS_CIRCUIT, 0, "10.255.0.1", true);
	vpn = t_src(rib, "vpn1 t1", "vpn1", RIB_CLASS_VPN, RIB_VPN_CLOUD, "169.254.21.1", true);
	for (i = 0; i < 10000; i++) { /* more than one background slice */
		snprintf(pfx, sizeof(pfx), "10.%d.%d.0/24", i / 256, i % 256);
		t_bgp(rib, cir, pfx, "10.255.0.1", 2);
		t_bgp(rib, vpn, pfx, "169.254.21.1", 2);
	}
	assert_int_equal(rib_pending(rib), 10000);
	uv_run(loop_get(), UV_RUN_NOWAIT); /* one slice, not everything */
	assert_true(rib_pending(rib) > 0 && rib_pending(rib) < 10000);
	T_SPIN_UNTIL(rib_pending(rib) == 0, 10000);
	assert_int_equal(rib_pending(rib), 0);
	assert_int_equal(t_cls_now(rib, "10.39.15.0/24"), RIB_CLASS_CIRCUIT);

	notified = 0;
	rib_source_bgp(rib, cir, false, RIB_TRIG_BFD_DOWN);
	assert_int_equal(notified, 1); /* the switch is notified at once */
	assert_int_equal(last.trigger, RIB_TRIG_BFD_DOWN);
	assert_int_equal(last.prefixes_moved, 10000);
	assert_int_equal(last.groups_rewritten, 1);
	T_SPIN_UNTIL(t_cls_now(rib, "10.39.15.0/24") == RIB_CLASS_VPN, 10000);
	assert_int_equal(t_cls_now(rib, "10.39.15.0/24"), RIB_CLASS_VPN);

	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	up_at = mono_ms();
	T_SPIN_UNTIL(notified >= 2, 10000);
	assert_true(notified >= 2);	/* bgp-up event (backup changed) */
	if (mono_ms() - up_at < 1900) { /* (a stalled machine proves nothing) */
		assert_int_equal(notified, 2);
		assert_int_equal(t_cls_now(rib, "10.39.15.0/24"), RIB_CLASS_VPN); /* damped */
	}
	/* the failback timer fires at 2 s, never before, however slow the machine */
	T_SPIN_UNTIL(notified >= 3, 10000);
	assert_int_equal(notified, 3);
	assert_true(mono_ms() - up_at >= 2000);
	assert_int_equal(last.trigger, RIB_TRIG_FAILBACK);
	T_SPIN_UNTIL(t_cls_now(rib, "10.39.15.0/24") == RIB_CLASS_CIRCUIT, 10000);
	assert_int_equal(t_cls_now(rib, "10.39.15.0/24"), RIB_CLASS_CIRCUIT);
	assert_int_equal(last.prefixes_moved, 10000);
	assert_true(last.switched_us >= last.detected_us);
	/* freed with a timer armed: handles are closed by the loop */
	rib_source_bgp(rib, cir, false, RIB_TRIG_BGP_DOWN);
	rib_source_bgp(rib, cir, true, RIB_TRIG_BGP_UP);
	rib_free(rib);
	t_spin(20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_work_and_failback),
	};
	int rc;

	log_init("test_rib_loop", LOG_LVL_WARN, true);
	if (loop_init() < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	loop_fini();
	return rc;
}
