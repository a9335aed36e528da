/* daemon/hgwd.h - hybridgwd's service plumbing: systemd notifications and dropping root. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_DAEMON_HGWD_H
#define HGW_DAEMON_HGWD_H

#include <libyang/libyang.h>

/*
 * sd_notify(3) for Type=notify units (libsystemd). Without NOTIFY_SOCKET in
 * the environment (not started by systemd) every call does nothing. All on
 * the loop thread; the strings are copied.
 */
/* READY=1 with a STATUS line; also arms the watchdog when the unit has
 * WatchdogSec= (a loop timer pings at half the interval: a loop that stops
 * turning gets the daemon restarted). */
void hgwd_notify_ready(const char *status);
/* RELOADING=1 (SIGHUP received); hgwd_notify_ready() again when done. */
void hgwd_notify_reloading(void);
/* STOPPING=1; the watchdog timer is closed. */
void hgwd_notify_stopping(void);
/* A STATUS= line alone (e.g. why a reload was refused). */
void hgwd_notify_status(const char *status);

/*
 * Run as an unprivileged user once the configuration has been checked:
 * the things only root may do are done first (the gateway's namespace
 * settings, the control socket and state directories handed to the user,
 * a real-time priority limit for the BFD thread), then uid and gid change
 * to user's and only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE
 * stay (permitted and effective; the bounding set is cut to them; no new
 * privileges). Must run before any thread is started: capabilities are
 * per thread, and threads started later inherit these.
 * boot_cfg: the checked configuration (read, not kept). ctl: the control
 * socket path; state_dir: the NETCONF host key directory.
 * 0, or -errno after printing why to stderr. A user that is root is a no-op.
 */
int hgwd_priv_drop(const char *user, const struct lyd_node *boot_cfg, const char *ctl,
    const char *state_dir, const char *cfg_path);

#endif
