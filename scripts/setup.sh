#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# scripts/setup.sh - install every build, test and lab dependency of hybridgw on Debian 12.
# Idempotent: prints nothing and changes nothing when everything is present.
#
# What it changes on the host, and nothing else (README "Install" says the same):
#  - installs the Debian packages below (apt-get, --no-install-recommends);
#  - adds /etc/iproute2/rt_protos.d/hybridgw.conf ("196 hybridgw") so that
#    `ip route show proto hybridgw` works;
#  - adds the system user and group `hybridgw` (no home, no shell), which the
#    daemon drops to (`hybridgwd --user hybridgw`, the systemd unit's User=).
#  - gives /dev/net/tun udev's mode 0666 where it is root-only (no udev ran, as
#    in containers): the daemon, once it has dropped root, opens it for each
#    IPsec tunnel's TUN device (creating one still needs CAP_NET_ADMIN).
# It never stops, disables, masks or kills a service or a process: a host's
# own FRR, BIRD, strongSwan, GoBGP or ExaBGP keep running. Debian starts some
# of them when their package is installed; the lab and the tests do not need
# them stopped (every instance they start has its own config, state and socket
# directory under /tmp, see tests/lib/hgwlab/).
set -euo pipefail

PKGS=(
	# build
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libyang2-dev libyang2-tools libnetconf2-dev libssh-dev
	libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libnl-genl-3-dev
	libuv1-dev libssl-dev libcmocka-dev libexpat1-dev
	libsystemd-dev libcap-dev libmicrohttpd-dev
	# test and lab
	valgrind iproute2 iputils-ping nftables procps psmisc tcpdump
	clang-tools clang-tidy clang-format-16 stress-ng git
	python3 python3-pytest python3-ncclient python3-yaml openssh-client
	python3-prometheus-client curl
	frr bird2 gobgpd exabgp
	strongswan-swanctl charon-systemd libcharon-extra-plugins libstrongswan-standard-plugins iperf3
	# shipping: unit checks, package build, container image
	systemd debhelper dpkg-dev fakeroot lintian debootstrap podman runc bash-completion
)

root() { [ "$(id -u)" -eq 0 ]; }

# The kernel route protocol name for "ip route show proto hybridgw" (DESIGN.md 4).
protos=/etc/iproute2/rt_protos.d/hybridgw.conf
if [ ! -f "$protos" ] && root; then
	mkdir -p /etc/iproute2/rt_protos.d
	echo "196	hybridgw" >"$protos"
fi

# udev's mode for the TUN clone device (50-udev-default.rules: MODE="0666").
if root && [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	chmod 0666 /dev/net/tun
fi

# The unprivileged user hybridgwd runs as once started (--user, the systemd
# unit) and the NETCONF server (hybridgw-netconf) always runs as.
if root && ! getent passwd hybridgw >/dev/null; then
	groupadd --system hybridgw 2>/dev/null || true
	useradd --system --gid hybridgw --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "hybridgw routing daemon" hybridgw
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! root; then
	echo "setup.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
exit 0
