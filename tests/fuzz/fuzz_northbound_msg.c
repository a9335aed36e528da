/* tests/fuzz/fuzz_northbound_msg.c - fuzz the check every client message passes before libnetconf2 parses it (nb_nc_check.c). */
/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northbound/nb_netconf.h"
#include "northbound/nb_netconf_local.h"
#include "northbound/northbound.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nb_err err = { 0 };

	if (nb_init(HGW_YANG_DIR, &err) != 0 || nb_netconf_init(&err) != 0) {
		fprintf(stderr, "YANG context: %s %s\n", err.path, err.msg);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	       *xml = malloc(size + 1), msgid[NBNC_MSGID_MAX * 6 + 1];
	struct nbnc_err e;
	bool		has_id;
	int		rc;

	if (!xml)
		return 0;
	memcpy(xml, data, size);
	xml[size] = '\0';
	memset(&e, 0, sizeof(e));
	rc = nbnc_msg_check(xml, strlen(xml), &e, msgid, &has_id);
	if (rc != 0 && (rc != -22 || e.tag == 0 || !e.msg[0]))
		abort(); /* a refusal always says what and why */
	if (has_id && strchr(msgid, '"'))
		abort(); /* the id goes back inside an attribute */
	free(xml);
	return 0;
}
