/* tests/unit/include/test_sh.h - run shell commands (ip, nft) from kernel-facing cmocka tests. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_TEST_SH_H
#define HGW_TEST_SH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Run a command; the test fails if it does. */
static inline __attribute__((format(printf, 1, 2), unused)) void
sh(const char *fmt, ...)
{
	char	cmd[512];
	va_list ap;
	int	rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* Output of a command, whole, into buf. */
static inline __attribute__((format(printf, 3, 4), unused)) char *
sh_out(char *buf, size_t len, const char *fmt, ...)
{
	char	cmd[512];
	va_list ap;
	FILE   *p;
	size_t	n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (!(p = popen(cmd, "r")))
		fail_msg("popen %s", cmd);
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

#endif
