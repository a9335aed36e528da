#!/bin/sh
# SPDX-License-Identifier: ISC
# topologies/images/swan-bird/entrypoint.sh - entry point of hybridgw/swan-bird: a VPN
# site (the branch) as the namespace runner starts one (tests/lib/hgwlab/topo.py):
# strongSwan first (charon-systemd, kernel-libipsec, /etc/strongswan.conf), the
# connections of /etc/swanctl/swanctl.conf loaded once its VICI socket answers, then
# BIRD in the foreground: the arguments, by default the image's CMD
# `bird -f -c /etc/bird/bird.conf` (the topologies' `cmd:` says the same), so that the
# tunnel exists before the BGP session that runs inside it. Lives as long as both do;
# when either dies it stops the other and exits non-zero, so that the container shows
# the failure instead of a site without its tunnel.
# Needs /dev/net/tun and CAP_NET_ADMIN (containerlab runs its nodes privileged;
# by hand: --cap-add NET_ADMIN --device /dev/net/tun).
set -u

SWANCTL_CONF=/etc/swanctl/swanctl.conf
VICI=/run/charon.vici
VICI_WAIT=300		# tenths of a second: charon is slow to start on a loaded host
TAG=swan-bird

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

# PID 1 gets no default signal handling: stop both on TERM/INT (docker stop,
# containerlab destroy), BIRD first so that its sessions close before the tunnel.
# shellcheck disable=SC2317 # called by the trap
stop()
{
	say "stopping"
	if [ -n "$bird" ]; then
		kill -TERM "$bird" 2>/dev/null
		wait "$bird"
	fi
	kill -TERM "$charon" 2>/dev/null
	wait "$charon"
	exit 0
}

if [ "$#" -eq 0 ]; then
	set -- bird -f -c /etc/bird/bird.conf
fi
if [ ! -c /dev/net/tun ]; then
	say "no /dev/net/tun: kernel-libipsec needs it (--device /dev/net/tun --cap-add NET_ADMIN)"
	exit 1
fi
if ! has_cap 12; then
	say "no CAP_NET_ADMIN: charon and BIRD need it (--cap-add NET_ADMIN)"
	exit 1
fi

bird=
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

mkdir -p /run/bird
"$@" &
bird=$!

# sleep in the background so that a signal interrupts the wait at once
while kill -0 "$charon" 2>/dev/null && kill -0 "$bird" 2>/dev/null; do
	sleep 1 &
	wait $!
done
if ! kill -0 "$charon" 2>/dev/null; then
	wait "$charon"
	rc=$?
	say "charon exited (status $rc): stopping $1"
	kill -TERM "$bird" 2>/dev/null
	wait "$bird"
else
	wait "$bird"
	rc=$?
	say "$1 exited (status $rc): stopping charon"
	kill -TERM "$charon" 2>/dev/null
	wait "$charon"
fi
[ "$rc" -ne 0 ] || rc=1
exit "$rc"
