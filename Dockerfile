# SPDX-License-Identifier: ISC
# Dockerfile - the hybridgw:dev image the containerlab topologies name (docs/lab.md).
# Two stages: a Debian 12 build (CMake, -dev packages), then a slim runtime with only the
# shared libraries hybridgwd and hybridgwctl load. The base is a build argument so that
# a registry-less machine can pass a local Debian 12 (tests/integration/test_container.py
# imports a debootstrap root as localhost/debian:12):
#   docker build -t hybridgw:dev .
#   podman build --format docker --network host --build-arg BASE=localhost/debian:12 -t hybridgw:dev .
# (--format docker: the OCI image format has no HEALTHCHECK)
ARG BASE=debian:12

FROM ${BASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	build-essential cmake pkg-config python3 libyang2-dev libyang2-tools \
	libnetconf2-dev libssh-dev libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev \
	libuv1-dev libssl-dev libexpat1-dev libsystemd-dev libcap-dev libmicrohttpd-dev \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHGW_TESTS=OFF \
	-DCMAKE_INSTALL_PREFIX=/usr -DHGW_YANG_DIR=/usr/share/hybridgw/yang \
 && cmake --build /build -j"$(nproc)" --target hybridgwd hybridgw-netconf hybridgwctl man \
 && DESTDIR=/out cmake --install /build --strip \
 && rm -rf /out/lib /out/usr/share/man /out/usr/share/bash-completion

FROM ${BASE}
LABEL org.opencontainers.image.title="hybridgw" \
      org.opencontainers.image.description="hybrid routing gateway: private circuit + IPsec VPN failover"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	libyang2 libnetconf2-2 libssh-4 libnl-3-200 libnl-route-3-200 libnl-xfrm-3-200 \
	libuv1 libssl3 libexpat1 libsystemd0 libcap2 libmicrohttpd12 iproute2 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/*/changelog*
# /lib is a symlink into /usr here (merged /usr): /out has no /lib to replace it
COPY --from=build /out/ /
RUN mkdir -p /run/hybridgw /var/lib/hybridgw
# The control socket is the default one (/run/hybridgw/hybridgwd.sock).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s CMD ["hybridgwctl", "show", "version"]
ENTRYPOINT ["hybridgwd"]
CMD ["-c", "/etc/hybridgw/hybridgw.xml", "--foreground"]
