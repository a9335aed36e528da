#!/bin/sh
# SPDX-License-Identifier: ISC
# topologies/images/swan-frr/entrypoint.sh - entry point of hybridgw/swan-frr: a cloud
# VPN gateway as the namespace runner starts one (tests/lib/hgwlab/topo.py): strongSwan
# first (charon-systemd, kernel-libipsec, /etc/strongswan.conf), the connections of
# /etc/swanctl/swanctl.conf loaded once its VICI socket answers, then the FRR daemons
# marked yes in /etc/frr/daemons (FRR's own init and watchfrr), so that the tunnel
# exists before the BGP session that runs inside it. Stays in the foreground as long
# as charon lives; when charon dies it stops FRR and exits non-zero, so that the
# container shows the failure instead of a gateway without its tunnel.
# Needs /dev/net/tun, CAP_NET_ADMIN and, for FRR's zebra and bgpd, CAP_SYS_ADMIN
# (containerlab runs its nodes privileged; by hand: --device /dev/net/tun
# --cap-add NET_ADMIN --cap-add SYS_ADMIN, or --privileged). Takes no arguments.
set -u

SWANCTL_CONF=/etc/swanctl/swanctl.conf
VICI=/run/charon.vici
VICI_WAIT=300		# tenths of a second: charon is slow to start on a loaded host
TAG=swan-frr

say()
{
	echo "$TAG: $*" >&2
}

# has_cap BIT: whether capability number BIT (linux/capability.h) is effective
has_cap()
{
	eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	[ $(( (0x$eff >> $1) & 1 )) -eq 1 ]
}

frr_stop()
{
	if [ -n "$frr" ]; then
		/usr/lib/frr/frrinit.sh stop >/dev/null 2>&1
		frr=
	fi
}

# PID 1 gets no default signal handling: stop both on TERM/INT (docker stop,
# containerlab destroy), FRR first so that its sessions close before the tunnel.
# shellcheck disable=SC2317 # called by the trap
stop()
{
	say "stopping"
	frr_stop
	kill -TERM "$charon" 2>/dev/null
	wait "$charon"
	exit 0
}

if [ "$#" -gt 0 ]; then
	say "takes no arguments (got: $*)"
	exit 2
fi
if [ ! -c /dev/net/tun ]; then
	say "no /dev/net/tun: kernel-libipsec needs it (--device /dev/net/tun --cap-add NET_ADMIN)"
	exit 1
fi
if ! has_cap 12; then
	say "no CAP_NET_ADMIN: charon and FRR need it (--cap-add NET_ADMIN)"
	exit 1
fi
# without it zebra and bgpd refuse to start and watchfrr waits for them forever
if ! has_cap 21; then
	say "no CAP_SYS_ADMIN: FRR's zebra and bgpd need it (--cap-add SYS_ADMIN)"
	exit 1
fi

frr=
rm -f "$VICI"
/usr/sbin/charon-systemd &
charon=$!
trap stop TERM INT

n=0
while [ ! -S "$VICI" ]; do
	if ! kill -0 "$charon" 2>/dev/null; then
		wait "$charon"
		say "charon exited (status $?) before its VICI socket appeared"
		exit 1
	fi
	n=$((n + 1))
	if [ "$n" -gt "$VICI_WAIT" ]; then
		say "no VICI socket $VICI after $((VICI_WAIT / 10)) s"
		kill -TERM "$charon" 2>/dev/null
		exit 1
	fi
	sleep 0.1
done

if [ -f "$SWANCTL_CONF" ]; then
	if ! swanctl --load-all --file "$SWANCTL_CONF" >&2; then
		say "swanctl --load-all --file $SWANCTL_CONF failed"
		kill -TERM "$charon" 2>/dev/null
		wait "$charon"
		exit 1
	fi
else
	say "no $SWANCTL_CONF: charon runs without connections"
fi

# FRR's init returns once watchfrr saw every daemon up, which may be never (a daemon
# refused to start): in the background, so that charon is watched meanwhile.
if [ -f /etc/frr/daemons ]; then
	mkdir -p /run/frr && chown frr:frr /run/frr
	/usr/lib/frr/frrinit.sh start >&2 &
	frr=yes
else
	say "no /etc/frr/daemons: FRR not started"
fi

# sleep in the background so that a signal interrupts the wait at once; each wait
# also reaps the daemons FRR's init left to PID 1.
while kill -0 "$charon" 2>/dev/null; do
	sleep 1 &
	wait $!
done
wait "$charon"
rc=$?
say "charon exited (status $rc): stopping FRR"
frr_stop
[ "$rc" -ne 0 ] || rc=1
exit "$rc"
