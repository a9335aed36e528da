/* tests/unit/northbound/test_nb_monitor.c - monitor streams: text and JSON lines, a reader that never reads loses events (counted) and never blocks the loop. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/loop.h"
#include "northbound/nb_monitor.h"

struct peer {
	uv_pipe_t	       pipe;
	struct nb_monitor_sub *sub;
	bool		       closed;
};

static void
peer_close(void *arg)
{
	struct peer *p = arg;

	p->closed = true;
}

static int
setup(void **state)
{
	signal(SIGPIPE, SIG_IGN); /* as hybridgwd: a gone client is a write error */
	return loop_init();
}

static int
teardown(void **state)
{
	loop_fini();
	return 0;
}

/* Everything readable on fd right now. */
static size_t
drain(int fd, char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t r;

	while (off < len - 1 && (r = recv(fd, buf + off, len - 1 - off, MSG_DONTWAIT)) > 0)
		off += (size_t)r;
	buf[off] = '\0';
	return off;
}

static void
test_lines(void **state)
{
	int		      sv[2], jv[2];
	struct peer	      t = { 0 }, j = { 0 };
	struct nb_event_field f[] = { { "neighbor", "192.0.2.1", false },
		{ "flaps", "3", true }, { "skipped", NULL, false } };
	char		      buf[4096];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, jv), 0);
	uv_pipe_init(loop_get(), &t.pipe, 0);
	uv_pipe_init(loop_get(), &j.pipe, 0);
	assert_int_equal(uv_pipe_open(&t.pipe, sv[0]), 0);
	assert_int_equal(uv_pipe_open(&j.pipe, jv[0]), 0);
	assert_int_equal(nb_monitor_sub_add((uv_stream_t *)&t.pipe, false, peer_close, &t,
			     &t.sub),
	    0);
	assert_int_equal(nb_monitor_sub_add((uv_stream_t *)&j.pipe, true, peer_close, &j,
			     &j.sub),
	    0);
	assert_int_equal(nb_monitor_count(), 2);
	nb_monitor_emit("bgp", "neighbor \"x\" up", f, 3);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	drain(sv[1], buf, sizeof(buf));
	assert_true(buf[0] == '0');
	assert_non_null(strstr(buf, "monitoring hybridgwd"));
	assert_non_null(strstr(buf, " bgp      neighbor \"x\" up\n"));
	drain(jv[1], buf, sizeof(buf));
	assert_true(buf[0] == '0');
	assert_non_null(strstr(buf + 1,
	    "\"event\":\"bgp\",\"neighbor\":\"192.0.2.1\",\"flaps\":3,"
	    "\"text\":\"neighbor \\\"x\\\" up\"}\n"));
	assert_null(strstr(buf, "skipped"));
	assert_false(t.closed || j.closed);
	/* the client goes: the next event finds out and asks for the close */
	close(sv[1]);
	nb_monitor_emit("bfd", "x", NULL, 0);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	nb_monitor_emit("bfd", "y", NULL, 0);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	assert_true(t.closed);
	nb_monitor_sub_free(t.sub);
	nb_monitor_sub_free(j.sub);
	assert_int_equal(nb_monitor_count(), 0);
	uv_close((uv_handle_t *)&t.pipe, NULL);
	uv_close((uv_handle_t *)&j.pipe, NULL);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	close(jv[1]);
}

static void
test_slow_reader_loses_events(void **state)
{
	int	    sv[2], sz = 4096;
	struct peer p = { 0 };
	char	    text[1024], buf[8192];
	uint64_t    before = nb_monitor_dropped();
	size_t	    got = 0, n;
	bool	    found = false;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	uv_pipe_init(loop_get(), &p.pipe, 0);
	assert_int_equal(uv_pipe_open(&p.pipe, sv[0]), 0);
	assert_int_equal(nb_monitor_sub_add((uv_stream_t *)&p.pipe, false, peer_close, &p,
			     &p.sub),
	    0);
	memset(text, 'e', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* 4 MB of events to a reader that reads nothing: each emit returns at
	 * once, the queue stops growing at its bound, the rest is counted */
	for (int i = 0; i < 4000; i++) {
		nb_monitor_emit("failover", text, NULL, 0);
		uv_run(loop_get(), UV_RUN_NOWAIT);
	}
	assert_true(nb_monitor_dropped() - before > 3000);
	assert_true(uv_stream_get_write_queue_size((uv_stream_t *)&p.pipe) < 512 * 1024);
	/* it catches up: the drops are reported in its stream (searched in the
	 * last bytes of the previous read and the new ones: a line may straddle) */
	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < 2000 && !found; i++) {
		size_t keep = strlen(buf) > 64 ? 64 : strlen(buf);

		memmove(buf, buf + strlen(buf) - keep, keep);
		n = drain(sv[1], buf + keep, sizeof(buf) - keep);
		got += n;
		found = strstr(buf, "events dropped") != NULL;
		uv_run(loop_get(), UV_RUN_NOWAIT);
		if (i % 100 == 99)
			nb_monitor_emit("bgp", "after", NULL, 0);
	}
	assert_true(got > 0);
	assert_true(found);
	nb_monitor_sub_free(p.sub);
	uv_close((uv_handle_t *)&p.pipe, NULL);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader_loses_events, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
