/* tests/unit/vpn/test_ike_id.c - identities: strongSwan-style parsing and printing, payloads, remote-id matching, IDs in certificates. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "tests/unit/vpn/vpn_test_pki.h"
#include "vpn/ike_cert.h"

static struct ike_id
id_of(const char *s)
{
	struct ike_id id;
	char	      err[256] = "";

	if (ike_id_parse(s, &id, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	return id;
}

static const struct {
	const char *in;
	uint8_t	    type;
	const char *printed;
} good[] = {
	{ "10.0.0.1", IKE_ID_IPV4_ADDR, "10.0.0.1" },
	{ "ipv4:192.0.2.1", IKE_ID_IPV4_ADDR, "192.0.2.1" },
	{ "2001:db8::1", IKE_ID_IPV6_ADDR, "2001:db8::1" },
	{ "IPV6: 2001:DB8:0::2 ", IKE_ID_IPV6_ADDR, "2001:db8::2" },
	{ "gw.example.net", IKE_ID_FQDN, "gw.example.net" },
	{ "fqdn:gw.example.net", IKE_ID_FQDN, "gw.example.net" },
	{ "dns:vpn-1.example.net", IKE_ID_FQDN, "vpn-1.example.net" },
	{ "@gw.example.net", IKE_ID_FQDN, "gw.example.net" },
	{ "azure_gw", IKE_ID_FQDN, "azure_gw" },
	{ "*.example.net", IKE_ID_FQDN, "*.example.net" },
	{ "user@example.net", IKE_ID_RFC822_ADDR, "user@example.net" },
	{ "email:user@example.net", IKE_ID_RFC822_ADDR, "user@example.net" },
	{ "rfc822:user@example.net", IKE_ID_RFC822_ADDR, "user@example.net" },
	{ "userfqdn:user@example.net", IKE_ID_RFC822_ADDR, "user@example.net" },
	{ "@@user@example.net", IKE_ID_RFC822_ADDR, "user@example.net" },
	{ "*@example.net", IKE_ID_RFC822_ADDR, "*@example.net" },
	{ "C=CH, O=ex, CN=gw", IKE_ID_DER_ASN1_DN, "C=CH, O=ex, CN=gw" },
	{ "asn1dn:C=CH,O=ex,CN=gw", IKE_ID_DER_ASN1_DN, "C=CH, O=ex, CN=gw" },
	{ "dn: CN=gw.example.net", IKE_ID_DER_ASN1_DN, "CN=gw.example.net" },
	{ "C=CH, O=Foo\\, Inc., CN=gw", IKE_ID_DER_ASN1_DN, "C=CH, O=Foo\\, Inc., CN=gw" },
	{ "C=CH, E=admin@example.net, CN=gw", IKE_ID_DER_ASN1_DN,
	    "C=CH, emailAddress=admin@example.net, CN=gw" },
	{ "DC=net, DC=example, OU=vpn, CN=*", IKE_ID_DER_ASN1_DN,
	    "DC=net, DC=example, OU=vpn, CN=*" },
	{ "keyid:#0a0b0c", IKE_ID_KEY_ID, "keyid:#0a0b0c" },
	{ "@#cafe", IKE_ID_KEY_ID, "keyid:#cafe" },
	{ "keyid:abc", IKE_ID_KEY_ID, "keyid:#616263" },
	{ "%any", IKE_ID_ANY, "%any" },
};

static void
test_parse_print(void **state)
{
	char	      buf[512];
	struct ike_id id;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		id = id_of(good[i].in);
		if (id.type != good[i].type)
			fail_msg("'%s': type %u, want %u", good[i].in, id.type, good[i].type);
		ike_id_print(&id, buf, sizeof(buf));
		if (strcmp(buf, good[i].printed) != 0)
			fail_msg("'%s' printed as '%s', want '%s'", good[i].in, buf,
			    good[i].printed);
		/* what is printed parses to the same identity */
		if (id.type != IKE_ID_KEY_ID) {
			struct ike_id again = id_of(buf);

			assert_int_equal(again.type, id.type);
			assert_int_equal(again.len, id.len);
			assert_memory_equal(again.data, id.data, id.len);
		}
	}
	id = id_of("10.0.0.1");
	assert_int_equal(id.len, 4);
	assert_memory_equal(id.data, "\x0a\x00\x00\x01", 4);
	id = id_of("gw.example.net");
	assert_int_equal(id.len, 14);
	assert_false(id.wildcard);
	assert_true(id_of("*.example.net").wildcard);
	assert_true(id_of("CN=*, O=ex").wildcard);
	assert_false(id_of("CN=gw, O=ex").wildcard);
	/* the DN is the DER a certificate would carry */
	{
		X509_NAME *n = pki_name("C=CH,O=ex,CN=gw");
		uint8_t	  *der = NULL;
		int	   len = i2d_X509_NAME(n, &der);

		id = id_of("C=CH, O=ex, CN=gw");
		assert_int_equal(id.len, len);
		assert_memory_equal(id.data, der, (size_t)len);
		OPENSSL_free(der);
		X509_NAME_free(n);
	}
}

static const struct {
	const char *in, *says;
} bad[] = {
	{ "", "empty identity" },
	{ "   ", "empty identity" },
	{ "ipv4:10.0.0.256", "'10.0.0.256' is not an IPv4 address" },
	{ "ipv4:2001:db8::1", "is not an IPv4 address" },
	{ "ipv6:10.0.0.1", "'10.0.0.1' is not an IPv6 address" },
	{ "fqdn:gw example", "'gw example' is not a host name" },
	{ "gw/example", "is not a host name" },
	{ "email:nobody", "'nobody' is not an e-mail address" },
	{ "user@", "is not an e-mail address" },
	{ "C=CH, XX=foo", "unknown attribute 'XX' in DN" },
	{ "C=CH, CN=", "empty value in DN" },
	{ "C=CH, =gw", "empty attribute in DN" },
	{ "C=CH, gw", "'gw' in DN 'C=CH, gw' is not attribute=value" },
	{ "C=Switzerland", "value 'Switzerland' of C" },
	{ "keyid:#abc", "is not a hex key id" },
	{ "keyid:#zz", "is not a hex key id" },
};

static void
test_parse_errors(void **state)
{
	struct ike_id id;
	char	      err[256], longs[1100];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ike_id_parse(bad[i].in, &id, err, sizeof(err)), -EINVAL);
		if (strstr(err, bad[i].says) == NULL)
			fail_msg("'%s': error '%s' does not say '%s'", bad[i].in, err,
			    bad[i].says);
		assert_int_equal(id.type, 0);
		assert_int_equal(id.len, 0);
	}
	memset(longs, 'a', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	assert_int_equal(ike_id_parse(longs, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	/* longer than an ID payload may carry, shorter than the text limit */
	memset(longs, 'a', 600);
	longs[600] = '\0';
	assert_int_equal(ike_id_parse(longs, &id, err, sizeof(err)), -EINVAL);
	assert_int_equal(ike_id_parse("nope nope", &id, NULL, 0), -EINVAL);
}

static void
test_match(void **state)
{
	static const struct {
		const char *want, *got;
		bool	    match;
	} m[] = {
		{ "gw.example.net", "gw.example.net", true },
		{ "gw.example.net", "GW.Example.NET", true },
		{ "gw.example.net", "gw2.example.net", false },
		{ "gw.example.net", "gw.example.ne", false },
		{ "*.example.net", "gw.example.net", true },
		{ "*.example.net", "a.b.example.net", true },
		{ "*.example.net", ".example.net", false },
		{ "*.example.net", "example.net", false },
		{ "*.example.net", "gw.example.org", false },
		{ "user@example.net", "USER@example.net", true },
		{ "user@example.net", "other@example.net", false },
		{ "*@example.net", "any@example.net", true },
		{ "*@example.net", "any@example.org", false },
		{ "10.0.0.1", "10.0.0.1", true },
		{ "10.0.0.1", "10.0.0.2", false },
		{ "2001:db8::1", "2001:db8:0:0::1", true },
		{ "2001:db8::1", "2001:db8::2", false },
		{ "10.0.0.1", "fqdn:10.0.0.1", false }, /* types differ */
		{ "gw.example.net", "email:gw@example.net", false },
		{ "C=CH, O=ex, CN=gw", "C=CH, O=ex, CN=gw", true },
		{ "C=CH, O=ex, CN=gw", "C=CH, O=EX, CN=GW", true }, /* canonical compare */
		{ "C=CH, O=ex, CN=gw", "C=CH, O=ex, CN=gw2", false },
		{ "C=CH, O=ex, CN=gw", "C=CH, CN=gw, O=ex", false }, /* order matters */
		{ "C=CH, O=ex, CN=gw", "C=CH, O=ex", false },
		{ "C=CH, O=ex, CN=*", "C=CH, O=ex, CN=anything", true },
		{ "C=CH, O=ex, CN=*", "C=CH, O=Ex, CN=anything", true },
		{ "C=CH, O=ex, CN=*", "C=CH, O=other, CN=anything", false },
		{ "C=CH, O=ex, CN=*", "C=CH, O=ex", false },
		{ "C=CH, O=ex, CN=*", "C=CH, O=ex, OU=x", false },
		{ "keyid:#0102", "keyid:#0102", true },
		{ "keyid:#0102", "keyid:#0103", false },
		{ "%any", "10.0.0.1", true },
		{ "%any", "C=CH, CN=x", true },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct ike_id w = id_of(m[i].want), g = id_of(m[i].got);

		if (ike_id_match(&w, &g) != m[i].match)
			fail_msg("'%s' vs '%s': want %s", m[i].want, m[i].got,
			    m[i].match ? "a match" : "no match");
	}
	/* a DN whose values are PrintableString still matches our UTF8String */
	{
		X509_NAME    *n = X509_NAME_new();
		uint8_t	     *der = NULL;
		int	      len;
		struct ike_id w = id_of("C=CH, O=ex, CN=gw"), g;

		assert_true(X509_NAME_add_entry_by_txt(n, "C", V_ASN1_PRINTABLESTRING,
		    (const unsigned char *)"CH", -1, -1, 0));
		assert_true(X509_NAME_add_entry_by_txt(n, "O", V_ASN1_PRINTABLESTRING,
		    (const unsigned char *)"ex", -1, -1, 0));
		assert_true(X509_NAME_add_entry_by_txt(n, "CN", V_ASN1_PRINTABLESTRING,
		    (const unsigned char *)"gw", -1, -1, 0));
		len = i2d_X509_NAME(n, &der);
		memset(&g, 0, sizeof(g));
		g.type = IKE_ID_DER_ASN1_DN;
		g.len = (uint16_t)len;
		memcpy(g.data, der, (size_t)len);
		assert_memory_not_equal(g.data, w.data, w.len < g.len ? w.len : g.len);
		assert_true(ike_id_match(&w, &g));
		OPENSSL_free(der);
		X509_NAME_free(n);
	}
}

static void
test_payload(void **state)
{
	struct ike_id	 id = id_of("C=CH, O=ex, CN=gw"), got;
	struct ike_id_pl pl;
	uint8_t		 body[600], chain[700]; /* m's views point into chain */
	size_t		 n;
	struct ike_msg	*m = malloc(sizeof(*m));

	assert_non_null(m);
	/* body = type, 3 reserved, data; through the codec and back */
	n = ike_id_body(&id, body, sizeof(body));
	assert_int_equal(n, 4 + id.len);
	assert_int_equal(body[0], IKE_ID_DER_ASN1_DN);
	assert_memory_equal(body + 1, "\0\0\0", 3);
	assert_int_equal(ike_id_body(&id, body, 4 + id.len - 1u), 0);
	memset(m, 0, sizeof(*m));
	chain[0] = 0;
	chain[1] = 0;
	chain[2] = (uint8_t)((n + 4) >> 8);
	chain[3] = (uint8_t)(n + 4);
	memcpy(chain + 4, body, n);
	assert_int_equal(ike_msg_decode_inner(m, IKE_PL_IDI, wire_rd_init(chain, n + 4)),
	    IKE_OK);
	assert_int_equal(ike_id_from_payload(&m->idi, &got), 0);
	assert_true(ike_id_match(&id, &got));
	assert_int_equal(wire_left(&m->idi.body), n);
	assert_memory_equal(m->idi.body.p, body, n);

	/* data that does not fit its type */
	pl.type = IKE_ID_IPV4_ADDR;
	pl.data = wire_rd_init("\x0a\x00\x00\x01\x02", 5);
	assert_int_equal(ike_id_from_payload(&pl, &got), -EBADMSG);
	pl.data = wire_rd_init("\x0a\x00\x00\x01", 4);
	assert_int_equal(ike_id_from_payload(&pl, &got), 0);
	assert_true(ike_id_match(&(struct ike_id){ 0 }, &got));
	pl.type = IKE_ID_IPV6_ADDR;
	assert_int_equal(ike_id_from_payload(&pl, &got), -EBADMSG);
	pl.type = IKE_ID_DER_ASN1_DN;
	assert_int_equal(ike_id_from_payload(&pl, &got), -EBADMSG);
	pl.data = wire_rd_init(id.data, id.len - 1u);
	assert_int_equal(ike_id_from_payload(&pl, &got), -EBADMSG);
	{
		uint8_t more[600];

		memcpy(more, id.data, id.len);
		more[id.len] = 0;
		pl.data = wire_rd_init(more, id.len + 1u); /* trailing byte */
		assert_int_equal(ike_id_from_payload(&pl, &got), -EBADMSG);
	}
	pl.type = 4; /* IPv4 subnet: not in IKEv2 */
	pl.data = wire_rd_init("abcd", 4);
	assert_int_equal(ike_id_from_payload(&pl, &got), -EBADMSG);
	pl.type = IKE_ID_FQDN;
	pl.data = wire_rd_init("gw\0x", 4);
	assert_int_equal(ike_id_from_payload(&pl, &got), 0);
	{
		char buf[64];

		ike_id_print(&got, buf, sizeof(buf));
		assert_string_equal(buf, "gw\\x00x"); /* printed safely */
	}
	free(m);
}

static void
test_cert_ids(void **state)
{
	EVP_PKEY *k = pki_key("P-256");
	X509	 *c = pki_cert(k, "C=CH,O=ex,CN=gw", NULL, NULL, false,
		"DNS:gw.example.net,IP:10.0.0.1,IP:2001:db8::1,email:gw@example.net", -1, 30);
	X509	 *plain =
	    pki_cert(k, "C=CH,O=ex,CN=cn-only.example.net", NULL, NULL, false, NULL, -1, 30);
	struct ike_id		 id;
	static const char *const yes[] = {
		"C=CH, O=ex, CN=gw",
		"C=CH, O=EX, CN=gw",
		"gw.example.net",
		"GW.example.net",
		"10.0.0.1",
		"2001:db8::1",
		"gw@example.net",
	};
	static const char *const no[] = {
		"C=CH, O=ex, CN=gw2",
		"C=CH, CN=gw",
		"other.example.net",
		"example.net",
		"10.0.0.2",
		"2001:db8::2",
		"other@example.net",
		"fqdn:10.0.0.1",
		"keyid:#01",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		id = id_of(yes[i]);
		if (ike_id_cert_check(&id, c) != 0)
			fail_msg("'%s' should be in the certificate", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		id = id_of(no[i]);
		if (ike_id_cert_check(&id, c) != -EACCES)
			fail_msg("'%s' should not be in the certificate", no[i]);
	}
	/* no fallback to the CN for a host name */
	id = id_of("cn-only.example.net");
	assert_int_equal(ike_id_cert_check(&id, plain), -EACCES);
	/* a name with a NUL inside never matches */
	id = id_of("gw.example.net");
	id.data[2] = '\0';
	assert_int_equal(ike_id_cert_check(&id, c), -EACCES);
	/* our own subject as identity */
	assert_int_equal(ike_id_from_cert(c, &id), 0);
	assert_int_equal(id.type, IKE_ID_DER_ASN1_DN);
	assert_true(ike_id_match(&(struct ike_id){ 0 }, &id));
	{
		struct ike_id want = id_of("C=CH, O=ex, CN=gw");

		assert_true(ike_id_match(&want, &id));
		assert_int_equal(ike_id_cert_check(&id, c), 0);
	}
	X509_free(c);
	X509_free(plain);
	EVP_PKEY_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_print),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_cert_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
