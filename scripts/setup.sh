#!/usr/bin/env bash
# scripts/setup.sh - install every build, test and lab dependency of hybridgw on Debian 12.
# Idempotent: prints nothing and installs nothing when all packages are present.
set -euo pipefail

PKGS=(
	# build
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libyang2-dev libyang2-tools libnetconf2-dev libssh-dev
	libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libnl-genl-3-dev
	libuv1-dev libssl-dev libcmocka-dev libexpat1-dev
	# test and lab
	valgrind iproute2 iputils-ping nftables procps psmisc tcpdump
	clang-tools clang-tidy clang-format stress-ng git
	python3 python3-pytest python3-ncclient python3-yaml openssh-client
	frr bird2 gobgpd exabgp
	strongswan-swanctl charon-systemd libcharon-extra-plugins libstrongswan-standard-plugins iperf3
)

# The kernel route protocol name for "ip route show proto hybridgw" (DESIGN.md 4).
protos=/etc/iproute2/rt_protos.d/hybridgw.conf
if [ ! -f "$protos" ] && [ "$(id -u)" -eq 0 ]; then
	mkdir -p /etc/iproute2/rt_protos.d
	echo "196	hybridgw" >"$protos"
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The lab daemons are started by the tests, never by the system.
for svc in frr bird strongswan-starter strongswan gobgpd exabgp; do
	systemctl disable --now "$svc" >/dev/null 2>&1 || true
	pkill -x "$svc" >/dev/null 2>&1 || true
done
pkill -f '/usr/lib/frr/' >/dev/null 2>&1 || true
pkill -x bird >/dev/null 2>&1 || true
pkill -x charon-systemd >/dev/null 2>&1 || true
exit 0
