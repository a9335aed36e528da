/* lib/sockaddr.h - struct ipaddr <-> struct sockaddr conversions for the socket code. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_SOCKADDR_H
#define HGW_LIB_SOCKADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include "lib/prefix.h"

/* Fill ss from a and port (host order); scope_ifindex is used only for an
 * IPv6 link-local address. A family-0 address gives 0.0.0.0. Returns the
 * length to pass to bind/connect/sendto. */
socklen_t ipaddr_to_sockaddr(struct sockaddr_storage *ss, const struct ipaddr *a, uint16_t port,
    unsigned scope_ifindex);
/* The address (and port, if asked) of sa; an IPv4-mapped IPv6 address comes
 * back as IPv4. Unknown families give family 0. */
void ipaddr_from_sockaddr(struct ipaddr *a, uint16_t *port, const struct sockaddr *sa);
bool ipaddr_is_link_local6(const struct ipaddr *);

#endif
