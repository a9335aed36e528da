/* lib/sockaddr.c - struct ipaddr <-> struct sockaddr conversions for the socket code. */
/* SPDX-License-Identifier: ISC */
#include "lib/sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

bool
ipaddr_is_link_local6(const struct ipaddr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

socklen_t
ipaddr_to_sockaddr(struct sockaddr_storage *ss, const struct ipaddr *a, uint16_t port,
    unsigned scope_ifindex)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->bytes, 16);
		if (ipaddr_is_link_local6(a))
			s6->sin6_scope_id = scope_ifindex;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (a->family == AF_INET)
			memcpy(&s4->sin_addr, a->bytes, 4);
		return sizeof(*s4);
	}
}

void
ipaddr_from_sockaddr(struct ipaddr *a, uint16_t *port, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->bytes, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->bytes, &s6->sin6_addr, 16);
		}
		if (port)
			*port = ntohs(s6->sin6_port);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		a->family = AF_INET;
		memcpy(a->bytes, &s4->sin_addr, 4);
		if (port)
			*port = ntohs(s4->sin_port);
	}
}
