/* northbound/nb_nc_priv.c - hybridgw-netconf gives up root, and asks hybridgwd to bind a port below 1024 when its endpoint moves. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "lib/log.h"

static atomic_bool priv_dropped;

/*
 * After nb_netconf_start() has bound the endpoint and read the host key,
 * nothing of root is needed: the process becomes an unprivileged user for
 * good (real, effective and saved ids; groups; no new privileges through
 * exec). Linux clears the capability sets with the uid.
 */
int
nb_netconf_drop_privileges(const char *user)
{
	struct passwd *pw;
	uid_t	       uid;
	gid_t	       gid;

	if (geteuid() != 0) {
		/* Started by a hybridgwd that gave up root itself (--user, the
		 * systemd unit): already its user, and it cleared the ambient
		 * capabilities before the exec (nb_nc_proc.c), so none came
		 * with it. The user cannot change; nothing more to give up. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			return -errno;
		atomic_store(&priv_dropped, true);
		log_info(LOG_MOD_NB, "netconf: running as uid %u, started unprivileged",
		    (unsigned)geteuid());
		return 0;
	}
	pw = getpwnam(user ? user : "hybridgw");
	if (!pw && !user)
		pw = getpwnam("nobody");
	if (!pw) {
		log_err(LOG_MOD_NB, "netconf: no user %s to run as",
		    user ? user : "hybridgw/nobody");
		return -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		log_err(LOG_MOD_NB, "netconf: will not run as %s (uid 0)", pw->pw_name);
		return -EPERM;
	}
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		log_err(LOG_MOD_NB, "netconf: cannot become %s: %s", pw->pw_name,
		    strerror(errno));
		return -errno;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	/* the way back must be closed */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		log_err(LOG_MOD_NB, "netconf: could become root again");
		return -EPERM;
	}
	atomic_store(&priv_dropped, true);
	log_info(LOG_MOD_NB, "netconf: running as %s (uid %u, gid %u)", pw->pw_name,
	    (unsigned)uid, (unsigned)gid);
	return 0;
}

/*
 * libnetconf2 binds its endpoint itself (nc_server_endpt_set_port()), and
 * a commit may move it to port 830 again after it left: this process may
 * not bind it any more. hybridgw-netconf defines and exports bind()
 * (daemon/hybridgw-netconf.c, nb_nc_guard.dynlist), so the library's call
 * lands here: a TCP socket refused with EACCES after the privileges went
 * is handed to hybridgwd over the channel, which binds it if it is the
 * endpoint its running config names (nb_chan_srv.c), and the library goes
 * on to listen(). Not named bind() here: a static library defining it
 * would take every bind() of whatever links it.
 */
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int
nb_netconf_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static bind_fn real;
	uint8_t	       addr[16] = { 0 };
	uint8_t	       family;
	uint16_t       port;
	int	       type = 0, rc;
	socklen_t      tl = sizeof(type);

	if (!real && !(real = (bind_fn)dlsym(RTLD_NEXT, "bind"))) {
		errno = ENOSYS;
		return -1;
	}
	/* not root from the start (hybridgwd had dropped it): the first bind
	 * of the endpoint comes here too */
	if ((rc = real(fd, sa, len)) == 0 || errno != EACCES ||
	    (!atomic_load(&priv_dropped) && geteuid() == 0) || !sa ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
		return rc;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		family = 4;
		port = ntohs(s4->sin_port);
		memcpy(addr, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		family = 6;
		port = ntohs(s6->sin6_port);
		memcpy(addr, &s6->sin6_addr, 16);
	} else {
		errno = EACCES;
		return -1;
	}
	if ((rc = nbnc_rt_bind(fd, family, port, addr)) != 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
