/* tests/tools/vpn_esp_static.c - esp_static: one statically keyed ESP tunnel over TUN in the foreground (like `ip xfrm state add`), counters on SIGUSR1 and at exit. A test tool, not product. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/prefix.h"
#include "vpn/esp_sa.h"

static const char usage[] =
    "usage: esp_static --dev NAME --local ADDR --remote ADDR\n"
    "         --spi-in SPI --spi-out SPI --key-in HEX --key-out HEX\n"
    "         [--enc aes128gcm16|aes192gcm16|aes256gcm16|aes128|aes192|aes256]\n"
    "         [--integ sha1|sha256|sha384|sha512 --ikey-in HEX --ikey-out HEX]\n"
    "         [--udp [--lport N] [--rport N] | --raw] [--esn] [--replay N]\n"
    "         [--mtu N] [--mss N] [--workers N] [--stats FILE]\n"
    "         [--soft-bytes N] [--hard-bytes N] [--soft-packets N] [--hard-packets N]\n"
    "GCM keys include their 4-byte salt (RFC 4106 8.1). SPIs take 0x for hex.\n"
    "Counters go to FILE (default stdout) as one JSON line on SIGUSR1 and at\n"
    "exit (SIGTERM/SIGINT); events as JSON lines as they happen. Prints\n"
    "{\"ready\":true} once the tunnel is up.\n";

static FILE	      *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&out_lock);
}

static const char *
dir_name(enum esp_dir d)
{
	return d == ESP_IN ? "in" : "out";
}

static void
ev_soft(void *arg, uint32_t tunnel, uint32_t spi, enum esp_dir d)
{
	emit("{\"event\":\"soft\",\"spi\":%" PRIu32 ",\"dir\":\"%s\"}", spi, dir_name(d));
}

static void
ev_hard(void *arg, uint32_t tunnel, uint32_t spi, enum esp_dir d)
{
	emit("{\"event\":\"hard\",\"spi\":%" PRIu32 ",\"dir\":\"%s\"}", spi, dir_name(d));
}

static void
ev_wrap(void *arg, uint32_t tunnel, uint32_t spi)
{
	emit("{\"event\":\"seq_wrap\",\"spi\":%" PRIu32 "}", spi);
}

static void
ev_tun_gone(void *arg, uint32_t tunnel)
{
	emit("{\"event\":\"tun_gone\"}");
}

static void
ev_ike(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
    const struct sockaddr *to)
{
	emit("{\"event\":\"ike\",\"len\":%zu}", len);
}

static int
key_parse(const char *hex, struct secret *s)
{
	uint8_t b[SECRET_MAX];
	size_t	n = 0, len = strlen(hex);
	int	rc;

	if (strncmp(hex, "0x", 2) == 0) {
		hex += 2;
		len -= 2;
	}
	if (len % 2 != 0 || len / 2 > sizeof(b))
		return -EINVAL;
	for (; n < len / 2; n++) {
		unsigned v;

		if (sscanf(hex + 2 * n, "%2x", &v) != 1)
			return -EINVAL;
		b[n] = (uint8_t)v;
	}
	rc = secret_set(s, b, n);
	explicit_bzero(b, sizeof(b));
	return rc;
}

static int
num_parse(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end || end == s ? -EINVAL : 0;
}

static void
stats_print(struct esp_backend *be, uint32_t tunnel, uint32_t spi_in, uint32_t spi_out)
{
	struct esp_sa_stats i, o;
	struct esp_dp_stats d;

	(void)esp_sa_stats_get(be, tunnel, spi_in, ESP_IN, &i);
	(void)esp_sa_stats_get(be, tunnel, spi_out, ESP_OUT, &o);
	esp_dp_stats_get(be, &d);
	emit("{\"in\":{\"spi\":%" PRIu32 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	     ",\"auth_fail\":%" PRIu64 ",\"replay_drop\":%" PRIu64 ",\"decrypt_err\":%" PRIu64
	     ",\"last_in_ms\":%" PRIu64 "},"
	     "\"out\":{\"spi\":%" PRIu32 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	     ",\"drop\":%" PRIu64 "},"
	     "\"dp\":{\"rx_no_sa\":%" PRIu64 ",\"rx_malformed\":%" PRIu64
	     ",\"rx_keepalive\":%" PRIu64 ",\"rx_ike\":%" PRIu64 ",\"rx_ecn_drop\":%" PRIu64
	     ",\"tx_no_sa\":%" PRIu64 ",\"tx_bad\":%" PRIu64 ",\"tx_icmp\":%" PRIu64
	     ",\"tx_err\":%" PRIu64 "}}",
	    spi_in, i.packets_in, i.bytes_in, i.auth_fail, i.replay_drop, i.decrypt_err,
	    i.last_in_ms, spi_out, o.packets_out, o.bytes_out, o.out_drop, d.rx_no_sa,
	    d.rx_malformed, d.rx_keepalive, d.rx_ike, d.rx_ecn_drop, d.tx_no_sa, d.tx_bad,
	    d.tx_icmp, d.tx_err);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "local", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "spi-in", required_argument, NULL, 'I' },
		{ "spi-out", required_argument, NULL, 'O' },
		{ "key-in", required_argument, NULL, 'k' },
		{ "key-out", required_argument, NULL, 'K' },
		{ "ikey-in", required_argument, NULL, 'j' },
		{ "ikey-out", required_argument, NULL, 'J' },
		{ "enc", required_argument, NULL, 'e' },
		{ "integ", required_argument, NULL, 'i' },
		{ "udp", no_argument, NULL, 'u' },
		{ "raw", no_argument, NULL, 'R' },
		{ "lport", required_argument, NULL, 'p' },
		{ "rport", required_argument, NULL, 'P' },
		{ "esn", no_argument, NULL, 'E' },
		{ "replay", required_argument, NULL, 'w' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "mss", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'W' },
		{ "stats", required_argument, NULL, 'S' },
		{ "soft-bytes", required_argument, NULL, 1 },
		{ "hard-bytes", required_argument, NULL, 2 },
		{ "soft-packets", required_argument, NULL, 3 },
		{ "hard-packets", required_argument, NULL, 4 },
		{ NULL, 0, NULL, 0 },
	};
	struct esp_tunnel_cfg tc;
	struct esp_sa_cfg     in, o;
	struct esp_dp_cfg     dc = { 0 };
	struct esp_events     ev = { ev_soft, ev_hard, ev_wrap, ev_tun_gone, ev_ike, NULL };
	struct esp_backend   *be = NULL;
	const char	     *enc = "aes128gcm16", *integ = NULL, *stats = NULL;
	uint32_t	      tunnel;
	uint64_t	      v;
	sigset_t	      sigs;
	int		      c, rc = 0, sig;

	out = stdout;
	memset(&tc, 0, sizeof(tc));
	tc.udp_encap = true;
	esp_sa_cfg_init(&in);
	esp_sa_cfg_init(&o);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			snprintf(tc.ifname, sizeof(tc.ifname), "%s", optarg);
			break;
		case 'l':
			rc = ipaddr_parse(optarg, &tc.local);
			break;
		case 'r':
			rc = ipaddr_parse(optarg, &tc.remote);
			break;
		case 'I':
			rc = num_parse(optarg, &v);
			in.spi = (uint32_t)v;
			break;
		case 'O':
			rc = num_parse(optarg, &v);
			o.spi = (uint32_t)v;
			break;
		case 'k':
			rc = key_parse(optarg, &in.encr_key);
			break;
		case 'K':
			rc = key_parse(optarg, &o.encr_key);
			break;
		case 'j':
			rc = key_parse(optarg, &in.integ_key);
			break;
		case 'J':
			rc = key_parse(optarg, &o.integ_key);
			break;
		case 'e':
			enc = optarg;
			break;
		case 'i':
			integ = optarg;
			break;
		case 'u':
			tc.udp_encap = true;
			break;
		case 'R':
			tc.udp_encap = false;
			break;
		case 'p':
			rc = num_parse(optarg, &v);
			tc.local_port = (uint16_t)v;
			break;
		case 'P':
			rc = num_parse(optarg, &v);
			tc.remote_port = (uint16_t)v;
			break;
		case 'E':
			in.esn = o.esn = true;
			break;
		case 'w':
			rc = num_parse(optarg, &v);
			in.replay_window = (uint32_t)v;
			break;
		case 'm':
			rc = num_parse(optarg, &v);
			tc.mtu = (uint16_t)v;
			break;
		case 's':
			rc = num_parse(optarg, &v);
			tc.mss = (uint16_t)v;
			break;
		case 'W':
			rc = num_parse(optarg, &v);
			dc.workers = (unsigned)v;
			break;
		case 'S':
			stats = optarg;
			break;
		case 1:
			rc = num_parse(optarg, &v);
			in.soft_bytes = o.soft_bytes = v;
			break;
		case 2:
			rc = num_parse(optarg, &v);
			in.hard_bytes = o.hard_bytes = v;
			break;
		case 3:
			rc = num_parse(optarg, &v);
			in.soft_packets = o.soft_packets = v;
			break;
		case 4:
			rc = num_parse(optarg, &v);
			in.hard_packets = o.hard_packets = v;
			break;
		default:
			rc = -EINVAL;
		}
		if (rc != 0) {
			fprintf(stderr, "esp_static: bad argument %s\n%s", optarg ? optarg : "",
			    usage);
			return 2;
		}
	}
	if (!tc.ifname[0] || !tc.local.family || !in.spi || !o.spi ||
	    secret_empty(&in.encr_key) || secret_empty(&o.encr_key)) {
		fputs(usage, stderr);
		return 2;
	}
	in.encr = o.encr = IKE_ENCR_AES_GCM_16;
	if (sscanf(enc, "aes%hu", &in.encr_bits) != 1) {
		fputs(usage, stderr);
		return 2;
	}
	o.encr_bits = in.encr_bits;
	if (!strstr(enc, "gcm")) {
		in.encr = o.encr = IKE_ENCR_AES_CBC;
		in.integ = o.integ = !integ  ? 0 :
		    !strcmp(integ, "sha1")   ? IKE_INTEG_HMAC_SHA1_96 :
		    !strcmp(integ, "sha256") ? IKE_INTEG_HMAC_SHA2_256_128 :
		    !strcmp(integ, "sha384") ? IKE_INTEG_HMAC_SHA2_384_192 :
		    !strcmp(integ, "sha512") ? IKE_INTEG_HMAC_SHA2_512_256 :
					       0;
	}
	if (stats && !(out = fopen(stats, "a"))) {
		fprintf(stderr, "esp_static: %s: %s\n", stats, strerror(errno));
		return 1;
	}
	/* Signals are taken by sigwait here, never by the dataplane threads
	 * (they inherit the mask). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((rc = esp_dp_new(&dc, &ev, &be)) != 0 ||
	    (rc = esp_tunnel_add(be, &tc, &tunnel)) != 0 ||
	    (rc = esp_sa_add_in(be, tunnel, &in)) != 0 ||
	    (rc = esp_sa_add_out(be, tunnel, &o)) != 0) {
		fprintf(stderr, "esp_static: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	emit("{\"ready\":true}");
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		stats_print(be, tunnel, in.spi, o.spi);
		if (sig != SIGUSR1)
			break;
	}
out:
	esp_sa_cfg_wipe(&in);
	esp_sa_cfg_wipe(&o);
	esp_backend_free(be);
	if (out != stdout)
		fclose(out);
	return rc;
}
