/* tests/unit/northbound/test_nb_chan.c - the channel codec: every message both ways, every truncation, every refusal. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_chan.h"

static struct nb_chan_out
msg_hello(void)
{
	struct nb_chan_out o;

	nb_chan_begin(&o, NB_CHAN_HELLO, 0, 1);
	nb_chan_put_u32(&o, NB_CHAN_VERSION);
	assert_int_equal(nb_chan_end(&o), 0);
	return o;
}

static struct nb_chan_out
msg_commit(uint16_t flags, const char *xml)
{
	struct nb_chan_out o;

	nb_chan_begin(&o, NB_CHAN_COMMIT, flags, 7);
	nb_chan_put_who(&o, 3, "alice", "192.0.2.9");
	nb_chan_put_u32(&o, 60);
	if (flags & NB_CHAN_F_PERSIST)
		nb_chan_put_str(&o, "p1");
	if (flags & NB_CHAN_F_PERSIST_ID)
		nb_chan_put_str(&o, "p0");
	nb_chan_put_text(&o, xml);
	assert_int_equal(nb_chan_end(&o), 0);
	return o;
}

static struct nb_chan_out
msg_bind(uint8_t family, uint16_t port)
{
	struct nb_chan_out o;
	uint8_t		   a[16] = { 127, 0, 0, 1 };

	nb_chan_begin(&o, NB_CHAN_BIND, 0, 9);
	nb_chan_put_u8(&o, family);
	nb_chan_put_u16(&o, port);
	nb_chan_put_bytes(&o, a, sizeof(a));
	assert_int_equal(nb_chan_end(&o), 0);
	return o;
}

static enum nb_chan_err
dec(const struct nb_chan_out *o, size_t len, bool to_routing, struct nb_chan_msg *m)
{
	return nb_chan_decode(wire_rd_init(o->p, len), to_routing, m);
}

/* A good message decodes; every shorter prefix of it does not. */
static void
assert_truncations(const struct nb_chan_out *o, bool to_routing)
{
	struct nb_chan_msg m;

	assert_int_equal(dec(o, o->len, to_routing, &m), NB_CHAN_OK);
	for (size_t n = 0; n < o->len; n++)
		assert_int_not_equal(dec(o, n, to_routing, &m), NB_CHAN_OK);
}

static void
test_requests(void **state)
{
	struct nb_chan_out o = msg_hello();
	struct nb_chan_msg m;
	char		   buf[64];

	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_OK);
	assert_int_equal(m.type, NB_CHAN_HELLO);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.version, NB_CHAN_VERSION);
	assert_truncations(&o, true);
	/* the routing side only: an answer type refused as a request */
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_ERR_TYPE);
	free(o.p);

	o = msg_commit(NB_CHAN_F_CC | NB_CHAN_F_CONFIRMED | NB_CHAN_F_PERSIST |
		NB_CHAN_F_PERSIST_ID | NB_CHAN_F_DIFF,
	    "<gateway/>");
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_OK);
	assert_int_equal(m.who.sid, 3);
	assert_string_equal(nb_chan_str(&m.who.user, buf, sizeof(buf)), "alice");
	assert_string_equal(nb_chan_str(&m.who.host, buf, sizeof(buf)), "192.0.2.9");
	assert_int_equal(m.timeout, 60);
	assert_string_equal(nb_chan_str(&m.persist, buf, sizeof(buf)), "p1");
	assert_string_equal(nb_chan_str(&m.persist_id, buf, sizeof(buf)), "p0");
	assert_int_equal(wire_left(&m.blob), sizeof("<gateway/>"));
	assert_string_equal((const char *)m.blob.p, "<gateway/>");
	assert_truncations(&o, true);
	free(o.p);

	/* a commit of entries: the generation, the paths, the scratch */
	nb_chan_begin(&o, NB_CHAN_COMMIT, NB_CHAN_F_PATCH, 8);
	nb_chan_put_who(&o, 3, "alice", "");
	nb_chan_put_u32(&o, 0);
	nb_chan_put_u64(&o, 41);
	nb_chan_put_u32(&o, 2);
	nb_chan_put_str(&o, "/hybridgw:gateway/circuit[name='a']");
	nb_chan_put_str(&o, "/hybridgw:gateway/circuit[name='b']");
	nb_chan_put_text(&o, "<gateway/>");
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_OK);
	assert_int_equal(m.base, 41);
	assert_int_equal(m.npaths, 2);
	{
		struct wire_rd walk = m.paths, path;

		assert_true(nb_chan_path_next(&walk, &path));
		assert_string_equal(nb_chan_str(&path, buf, sizeof(buf)),
		    "/hybridgw:gateway/circuit[name='a']");
		assert_true(nb_chan_path_next(&walk, &path));
		assert_true(wire_empty(&walk));
	}
	assert_string_equal((const char *)m.blob.p, "<gateway/>");
	assert_truncations(&o, true);
	free(o.p);
	/* no paths, or more than may come */
	nb_chan_begin(&o, NB_CHAN_COMMIT, NB_CHAN_F_PATCH, 8);
	nb_chan_put_who(&o, 3, "alice", "");
	nb_chan_put_u32(&o, 0);
	nb_chan_put_u64(&o, 41);
	nb_chan_put_u32(&o, 0);
	nb_chan_put_text(&o, "<gateway/>");
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FIELD);
	free(o.p);
	nb_chan_begin(&o, NB_CHAN_COMMIT, NB_CHAN_F_PATCH, 8);
	nb_chan_put_who(&o, 3, "alice", "");
	nb_chan_put_u32(&o, 0);
	nb_chan_put_u64(&o, 41);
	nb_chan_put_u32(&o, NB_CHAN_MAX_PATHS + 1);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FIELD);
	free(o.p);

	/* the empty config is a text too: just its NUL */
	o = msg_commit(0, NULL);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_OK);
	assert_int_equal(wire_left(&m.blob), 1);
	free(o.p);

	o = msg_bind(6, 830);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_OK);
	assert_int_equal(m.family, 6);
	assert_int_equal(m.port, 830);
	assert_int_equal(m.addr[0], 127);
	assert_truncations(&o, true);
	free(o.p);
}

static void
test_refusals(void **state)
{
	struct nb_chan_out o;
	struct nb_chan_msg m;

	/* flags a type does not have; a confirmed commit that is not <commit> */
	o = msg_commit(0x8000, "<a/>");
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FLAGS);
	free(o.p);
	o = msg_commit(NB_CHAN_F_CONFIRMED, "<a/>");
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FLAGS);
	free(o.p);
	o = msg_commit(NB_CHAN_F_CC | NB_CHAN_F_PERSIST, "<a/>");
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FLAGS);
	free(o.p);
	/* a family or a port out of range */
	o = msg_bind(5, 830);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_VALUE);
	free(o.p);
	o = msg_bind(4, 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_VALUE);
	free(o.p);
	/* a request without an id */
	nb_chan_begin(&o, NB_CHAN_STARTUP_GET, 0, 0);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_ID);
	free(o.p);
	/* an unknown type, a version not ours */
	nb_chan_begin(&o, 40, 0, 1);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_TYPE);
	free(o.p);
	nb_chan_begin(&o, NB_CHAN_HELLO, 0, 1);
	nb_chan_put_u32(&o, NB_CHAN_VERSION + 1);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_VALUE);
	free(o.p);
	/* a byte left over in the body, a byte after the message */
	nb_chan_begin(&o, NB_CHAN_SESSION_END, 0, 1);
	nb_chan_put_u32(&o, 4);
	nb_chan_put_u8(&o, 0);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FIELD);
	assert_int_equal(dec(&o, o.len - 1, true, &m), NB_CHAN_ERR_SHORT);
	free(o.p);
	/* texts: no NUL at the end, a NUL inside */
	nb_chan_begin(&o, NB_CHAN_CHECK, 0, 1);
	nb_chan_put_blob(&o, "<a/>", 4);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_STRING);
	free(o.p);
	nb_chan_begin(&o, NB_CHAN_CHECK, 0, 1);
	nb_chan_put_blob(&o, "<a\0/>", 6);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_STRING);
	free(o.p);
	/* a string with a NUL, a string over the limit */
	nb_chan_begin(&o, NB_CHAN_STATE, 0, 1);
	nb_chan_put_blob(&o, "/a\0b", 4);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_STRING);
	free(o.p);
	{
		char *big = malloc(NB_CHAN_MAX_STR + 1);

		assert_non_null(big);
		memset(big, 'x', NB_CHAN_MAX_STR + 1);
		nb_chan_begin(&o, NB_CHAN_STATE, 0, 1);
		nb_chan_put_blob(&o, big, NB_CHAN_MAX_STR + 1);
		assert_int_equal(nb_chan_end(&o), 0);
		assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FIELD);
		free(o.p);
		free(big);
	}
	/* a startup write of the running config carries no config */
	nb_chan_begin(&o, NB_CHAN_STARTUP_SET, NB_CHAN_F_RUNNING, 1);
	nb_chan_put_who(&o, 1, "u", "h");
	nb_chan_put_text(&o, "<a/>");
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_FIELD);
	free(o.p);
}

/* A header announcing more than a request may carry is refused from the
 * header alone: nothing that big is ever read. */
static void
test_length_limit(void **state)
{
	uint8_t		   h[NB_CHAN_HDR_LEN] = { 0 };
	struct wire_wr	   w = wire_wr_init(h, sizeof(h));
	struct nb_chan_msg m;
	uint32_t	   blen;

	wire_put_u32(&w, NB_CHAN_MAX_REQ + 1);
	wire_put_u16(&w, NB_CHAN_COMMIT);
	wire_put_u16(&w, 0);
	wire_put_u32(&w, 1);
	assert_int_equal(nb_chan_decode(wire_rd_init(h, sizeof(h)), true, &m), NB_CHAN_ERR_LEN);
	assert_int_equal(nb_chan_hdr_peek(wire_rd_init(h, sizeof(h)), &blen), NB_CHAN_OK);
	assert_int_equal(blen, NB_CHAN_MAX_REQ + 1);
	assert_int_equal(nb_chan_hdr_peek(wire_rd_init(h, sizeof(h) - 1), &blen),
	    NB_CHAN_ERR_SHORT);
}

static void
test_answers(void **state)
{
	struct nb_chan_out   o;
	struct nb_chan_msg   m;
	struct nb_chan_piece p;
	struct wire_rd	     walk;
	char		     buf[64];

	nb_chan_begin(&o, NB_CHAN_RESULT, 0, 5);
	nb_chan_put_u32(&o, (uint32_t)-22);
	nb_chan_put_u16(&o, NB_CHAN_TAG_INVALID_VALUE);
	nb_chan_put_str(&o, "/hybridgw:gateway/as");
	nb_chan_put_str(&o, "bad AS");
	nb_chan_put_str(&o, "");
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_OK);
	assert_int_equal(m.rc, -22);
	assert_int_equal(m.tag, NB_CHAN_TAG_INVALID_VALUE);
	assert_string_equal(nb_chan_str(&m.path, buf, sizeof(buf)), "/hybridgw:gateway/as");
	assert_truncations(&o, false);
	/* the routing side never takes an answer */
	assert_int_equal(dec(&o, o.len, true, &m), NB_CHAN_ERR_TYPE);
	free(o.p);
	/* a failure without a tag, a success with one */
	nb_chan_begin(&o, NB_CHAN_RESULT, 0, 5);
	nb_chan_put_u32(&o, (uint32_t)-22);
	nb_chan_put_u16(&o, NB_CHAN_TAG_NONE);
	nb_chan_put_str(&o, "");
	nb_chan_put_str(&o, "");
	nb_chan_put_str(&o, "");
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_ERR_VALUE);
	free(o.p);

	nb_chan_begin(&o, NB_CHAN_DATA, 0, 6);
	nb_chan_put_blob(&o, "LYB", 3);
	nb_chan_put_u32(&o, 2);
	nb_chan_put_str(&o, "/hybridgw:gateway-state/rib");
	nb_chan_put_str(&o, "route");
	nb_chan_put_text(&o, "<prefix>10.0.0.0/8</prefix>");
	nb_chan_put_str(&o, "/hybridgw:gateway-state/rib");
	nb_chan_put_str(&o, "route");
	nb_chan_put_text(&o, "<prefix>10.1.0.0/16</prefix>");
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_OK);
	assert_int_equal(m.npieces, 2);
	walk = m.pieces;
	assert_true(nb_chan_piece_next(&walk, &p));
	assert_string_equal(nb_chan_str(&p.list, buf, sizeof(buf)), "route");
	assert_true(nb_chan_piece_next(&walk, &p));
	assert_string_equal((const char *)p.text.p, "<prefix>10.1.0.0/16</prefix>");
	assert_true(wire_empty(&walk));
	assert_truncations(&o, false);
	free(o.p);

	/* events: no id; a confirmed commit persistent but not pending */
	nb_chan_begin(&o, NB_CHAN_CONFIRM, NB_CHAN_F_PENDING | NB_CHAN_F_PERSISTENT, 0);
	nb_chan_put_u32(&o, 0);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_OK);
	free(o.p);
	nb_chan_begin(&o, NB_CHAN_CONFIRM, NB_CHAN_F_PERSISTENT, 0);
	nb_chan_put_u32(&o, 0);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_ERR_FLAGS);
	free(o.p);
	nb_chan_begin(&o, NB_CHAN_NOTIFY, 0, 3);
	nb_chan_put_u64(&o, 1);
	nb_chan_put_u32(&o, 0);
	nb_chan_put_blob(&o, "x", 1);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_ERR_ID);
	free(o.p);
	nb_chan_begin(&o, NB_CHAN_NOTIFY, 0, 0);
	nb_chan_put_u64(&o, 1);
	nb_chan_put_u32(&o, 1000000000u);
	nb_chan_put_blob(&o, "x", 1);
	assert_int_equal(nb_chan_end(&o), 0);
	assert_int_equal(dec(&o, o.len, false, &m), NB_CHAN_ERR_VALUE);
	free(o.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
