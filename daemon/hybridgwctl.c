/* daemon/hybridgwctl.c - hybridgwctl: the command-line client of hybridgwd's control socket. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_CTL "/run/hybridgw/hybridgwd.sock"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hybridgwctl [-s CTL_SOCKET] COMMAND [--json]\n"
	    "  show version | config [--with-secrets] | bgp [neighbor ADDR [received|advertised]]\n"
	    "  show routes [PREFIX] | bfd | failover\n"
	    "  config validate|apply|diff FILE     (through the daemon's transaction path)\n"
	    "  config save                          (running -> startup file, atomically)\n"
	    "  clear bgp ADDR [soft]\n"
	    "  drain CIRCUIT | restore CIRCUIT       (move traffic off a circuit for maintenance)\n"
	    "  what-if CONNECTION                   (which prefixes would move if it failed)\n"
	    "  debug LIST                           (core,bgp,failover,bfd,fib,vpn,nb | all)\n"
	    "  monitor                              (stream failovers, BGP and BFD changes live)\n"
	    "Tables by default; --json prints the YANG-modelled state (hybridgw.yang).\n");
	exit(2);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE  *f = fopen(path, "r");
	char  *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - *len < 65536) {
			char *n = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!n) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = n;
		}
		size_t r = fread(buf + *len, 1, cap - *len, f);

		*len += r;
		if (r == 0)
			break;
	}
	fclose(f);
	return buf;
}

int
main(int argc, char **argv)
{
	const char	  *sock = getenv("HYBRIDGW_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char		   req[1024], buf[65536];
	char		  *body = NULL;
	size_t		   off = 0, blen = 0;
	int		   i = 1, fd, status = -1;
	ssize_t		   r;

	if (!sock)
		sock = DEFAULT_CTL;
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock = argv[2];
		i = 3;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
		usage();
	/* config validate|apply|diff FILE: send the file's text as the body. */
	if (argc - i == 3 && strcmp(argv[i], "config") == 0 &&
	    strcmp(argv[i + 1], "save") != 0) {
		if (!(body = read_file(argv[i + 2], &blen))) {
			fprintf(stderr, "hybridgwctl: %s: %s\n", argv[i + 2], strerror(errno));
			return 1;
		}
		argc--;
	}
	for (; i < argc; i++) {
		int n = snprintf(req + off, sizeof(req) - off, "%s%s", off ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(req) - off) {
			fprintf(stderr, "hybridgwctl: command too long\n");
			return 2;
		}
		off += (size_t)n;
	}
	req[off++] = '\n';
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "hybridgwctl: socket path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "hybridgwctl: cannot reach hybridgwd at %s: %s\n", sock,
		    strerror(errno));
		return 1;
	}
	if (write_all(fd, req, off) != 0 || (body && write_all(fd, body, blen) != 0) ||
	    shutdown(fd, SHUT_WR) != 0) {
		fprintf(stderr, "hybridgwctl: write: %s\n", strerror(errno));
		return 1;
	}
	free(body);
	while ((r = read(fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)) {
		const char *p = buf;

		if (r < 0)
			continue;
		if (status < 0) {
			status = buf[0] == '0' ? 0 : 1;
			p++;
			r--;
		}
		fwrite(p, 1, (size_t)r, status ? stderr : stdout);
		fflush(status ? stderr : stdout); /* monitor: as events come */
	}
	close(fd);
	if (status < 0) {
		fprintf(stderr, "hybridgwctl: no answer from hybridgwd\n");
		return 1;
	}
	return status;
}
