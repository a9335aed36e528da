/* tests/unit/failover/test_journal.c - the failover journal ring: ids, order, wrap, copies. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "failover/journal.h"

struct t_walk {
	uint64_t ids[16];
	size_t	 n;
	size_t	 stop_after;
};

static int
t_walk_cb(void *arg, const struct rib_journal_entry *e)
{
	struct t_walk *w = arg;

	w->ids[w->n++] = e->id;
	return w->stop_after && w->n == w->stop_after ? 7 : 0;
}

static void
test_journal_ring(void **state)
{
	struct journal		 *j = journal_new(4);
	struct rib_journal_entry *e;
	struct t_walk		  w;
	char			  conn[16];
	int			  i;

	(void)state;
	assert_non_null(j);
	assert_int_equal(journal_count(j), 0);
	assert_null(journal_find(j, 1));
	for (i = 1; i <= 6; i++) {
		snprintf(conn, sizeof(conn), "c%d", i);
		e = journal_add(j, conn, "src", RIB_TRIG_BFD_DOWN, RIB_CLASS_CIRCUIT, 1000 * i);
		assert_int_equal(e->id, (uint64_t)i);
		assert_string_equal(e->connection, conn);
		assert_int_equal(e->detected_us, 1000 * i);
		assert_int_equal(e->switched_us, 0); /* in progress */
		e->prefixes_moved = (uint32_t)i;
	}
	assert_int_equal(journal_count(j), 4);
	assert_null(journal_find(j, 2)); /* overwritten */
	assert_null(journal_find(j, 7)); /* not yet issued */
	assert_null(journal_find(j, 0));
	e = journal_find(j, 3);
	assert_non_null(e);
	assert_string_equal(e->connection, "c3");
	assert_int_equal(e->prefixes_moved, 3);
	memset(&w, 0, sizeof(w));
	assert_int_equal(journal_walk(j, t_walk_cb, &w), 0);
	assert_int_equal(w.n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(w.ids[i], (uint64_t)(3 + i)); /* oldest first */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	assert_int_equal(journal_walk(j, t_walk_cb, &w), 7);
	assert_int_equal(w.n, 2);
	journal_free(j);
}

static void
test_journal_strings(void **state)
{
	struct journal		 *j = journal_new(2);
	struct rib_journal_entry *e;
	char			  longname[300];

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	e = journal_add(j, longname, NULL, RIB_TRIG_ADMIN, RIB_CLASS_VPN, 1);
	assert_true(strlen(e->connection) < 100);
	assert_true(strlen(e->connection) > 10);
	assert_string_equal(e->source, "");
	assert_int_equal(e->from_class, RIB_CLASS_VPN);
	assert_false(e->has_to);
	assert_true(journal_wall_us() > 1600000000LL * 1000000);
	journal_free(j);
	journal_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_ring),
		cmocka_unit_test(test_journal_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
