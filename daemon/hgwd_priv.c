/* daemon/hgwd_priv.c - hybridgwd drops root: an unprivileged user keeping only the network capabilities. */
/* SPDX-License-Identifier: ISC */
#include "daemon/hgwd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/gateway.h"

#define PRIV_RUNDIR   "/run/hybridgw"
#define PRIV_STATEDIR "/var/lib/hybridgw"
/* The BFD thread asks for SCHED_FIFO 10 (failover/bfd_session.c). */
#define PRIV_RTPRIO 10

/* What the daemon does after start: netlink FIB and links, TUN devices,
 * XFRM (NET_ADMIN); BFD's SO_BINDTODEVICE and ESP raw sockets (NET_RAW);
 * BGP 179, IKE 500/4500, NETCONF 830 (NET_BIND_SERVICE). */
static const cap_value_t priv_keep[] = {
	CAP_NET_ADMIN,
	CAP_NET_RAW,
	CAP_NET_BIND_SERVICE,
};
#define PRIV_NKEEP (sizeof(priv_keep) / sizeof(priv_keep[0]))

static bool
priv_kept(cap_value_t c)
{
	for (size_t i = 0; i < PRIV_NKEEP; i++)
		if (priv_keep[i] == c)
			return true;
	return false;
}

/* The files a root run left in one of our directories (the NETCONF host
 * key): the user's now, as systemd's StateDirectory= does. */
static int
priv_dir_files(const char *dir, uid_t uid, gid_t gid)
{
	DIR	      *d;
	struct dirent *de;
	int	       rc = 0;

	if (!(d = opendir(dir)))
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_REG)
			continue;
		if (fchownat(dirfd(d), de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = -errno;
			fprintf(stderr, "hybridgwd: chown %s/%s: %s\n", dir, de->d_name,
			    strerror(-rc));
			break;
		}
	}
	closedir(d);
	return rc;
}

/* A directory the daemon must write after the drop: create it (mode
 * 0750) or, when it is one of ours by default path, hand it over. */
static int
priv_dir(const char *dir, bool ours, uid_t uid, gid_t gid)
{
	struct stat st;
	int	    rc;

	if (mkdir(dir, 0750) == 0)
		ours = true;
	else if (errno != EEXIST) {
		rc = -errno;
		fprintf(stderr, "hybridgwd: %s: %s\n", dir, strerror(-rc));
		return rc;
	}
	if (stat(dir, &st) != 0)
		return -errno;
	if (!ours)
		return 0;
	if ((st.st_uid != uid || st.st_gid != gid) && chown(dir, uid, gid) != 0) {
		rc = -errno;
		fprintf(stderr, "hybridgwd: chown %s: %s\n", dir, strerror(-rc));
		return rc;
	}
	return priv_dir_files(dir, uid, gid);
}

/* The parent directory of the control socket. */
static int
priv_ctl_dir(const char *ctl, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", ctl);
	return priv_dir(dirname(buf), strncmp(ctl, PRIV_RUNDIR "/", sizeof(PRIV_RUNDIR)) == 0,
	    uid, gid);
}

/* uid/gid change with the capabilities kept across it, then cut to the
 * three: permitted, effective and bounding set (capabilities(7)). */
static int
priv_switch(uid_t uid, gid_t gid)
{
	cap_t caps = NULL;
	int   rc = 0;

	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!priv_kept(c) && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) != 0) {
			rc = -errno;
			fprintf(stderr, "hybridgwd: cannot drop capability %d: %s\n", c,
			    strerror(-rc));
			goto out;
		}
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0 || setgroups(1, &gid) != 0 ||
	    setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		rc = -errno;
		fprintf(stderr, "hybridgwd: cannot change to uid %u gid %u: %s\n",
		    (unsigned)uid, (unsigned)gid, strerror(-rc));
		goto out;
	}
	if (!(caps = cap_init()) ||
	    cap_set_flag(caps, CAP_PERMITTED, PRIV_NKEEP, priv_keep, CAP_SET) != 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, PRIV_NKEEP, priv_keep, CAP_SET) != 0 ||
	    cap_set_proc(caps) != 0) {
		rc = -errno;
		fprintf(stderr, "hybridgwd: cannot keep the network capabilities: %s\n",
		    strerror(-rc));
		goto out;
	}
	/* No way back: neither setuid programs nor file capabilities give any
	 * privilege to what this process might run. The process stays
	 * dumpable so that its own /proc files stay readable to it. */
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0 ||
	    prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L) != 0) {
		rc = -errno;
		fprintf(stderr, "hybridgwd: prctl: %s\n", strerror(-rc));
		goto out;
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		fprintf(stderr, "hybridgwd: root could be regained after the drop\n");
		rc = -EPERM;
	}
out:
	if (caps)
		cap_free(caps);
	return rc;
}

int
hgwd_priv_drop(const char *user, const struct lyd_node *boot_cfg, const char *ctl,
    const char *state_dir, const char *cfg_path)
{
	struct passwd *pw;
	struct rlimit  rl;
	uid_t	       uid;
	gid_t	       gid;
	int	       rc;

	errno = 0;
	if (!(pw = getpwnam(user))) {
		fprintf(stderr, "hybridgwd: no user '%s'%s%s\n", user, errno ? ": " : "",
		    errno ? strerror(errno) : "");
		return -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		return 0;
	if (geteuid() != 0) {
		fprintf(stderr, "hybridgwd: --user %s needs to be started as root\n", user);
		return -EPERM;
	}
	/* Root's part of the start: namespace settings, the directories. */
	gateway_prepare_root(boot_cfg);
	if ((rc = priv_ctl_dir(ctl, uid, gid)) != 0 ||
	    (rc = priv_dir(state_dir, strcmp(state_dir, PRIV_STATEDIR) == 0, uid, gid)) != 0)
		return rc;
	/* SCHED_FIFO for the BFD thread without CAP_SYS_NICE. */
	if (getrlimit(RLIMIT_RTPRIO, &rl) == 0 && rl.rlim_cur < PRIV_RTPRIO) {
		rl.rlim_cur = PRIV_RTPRIO;
		if (rl.rlim_max < PRIV_RTPRIO)
			rl.rlim_max = PRIV_RTPRIO;
		(void)setrlimit(RLIMIT_RTPRIO, &rl);
	}
	if ((rc = priv_switch(uid, gid)) != 0)
		return rc;
	/* udev makes it 0666; a root-only node (no udev ran) keeps tunnels down */
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		fprintf(stderr,
		    "hybridgwd: warning: user %s cannot open /dev/net/tun (%s): IPsec "
		    "tunnels will not come up; give it udev's mode 0666\n",
		    user, strerror(errno));
	if (cfg_path && access(cfg_path, R_OK) != 0)
		fprintf(stderr,
		    "hybridgwd: warning: user %s cannot read %s: SIGHUP reloads will "
		    "fail\n",
		    user, cfg_path);
	return 0;
}
