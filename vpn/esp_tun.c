/* vpn/esp_tun.c - the tunnel's TUN device: one queue per dataplane thread, virtio-net headers, checksum and segmentation offloads, MTU. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

/* Newer than Debian 12's headers (Linux 6.2): UDP segmentation offload. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define ESP_TUN_TXQLEN 1000

int
esp_tun_open_queue(const char *name, int *fd)
{
	struct ifreq ifr;
	int	     s, rc = 0, hdr = ESP_VNET_LEN;

	if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if ((s = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	/* One queue per thread: the kernel spreads flows over the queues. */
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(s, TUNSETIFF, &ifr) < 0 || ioctl(s, TUNSETVNETHDRSZ, &hdr) < 0) {
		rc = -errno;
		goto out;
	}
	*fd = s;
out:
	if (rc != 0)
		close(s);
	return rc;
}

int
esp_tun_offload(int fd, bool *uso)
{
	/* Checksums left to us, TCP segmentation in both families, and UDP
	 * segmentation where the kernel has it: one read then carries up
	 * to 64 KB of one flow. */
	unsigned long f = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (ioctl(fd, TUNSETOFFLOAD, f | TUN_F_USO4 | TUN_F_USO6) == 0) {
		*uso = true;
		return 0;
	}
	*uso = false;
	if (ioctl(fd, TUNSETOFFLOAD, f) < 0)
		return -errno;
	return 0;
}

int
esp_tun_up(const char *name, unsigned mtu)
{
	struct ifreq ifr;
	int	     s, rc = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	ifr.ifr_qlen = ESP_TUN_TXQLEN;
	(void)ioctl(s, SIOCSIFTXQLEN, &ifr); /* a longer queue only helps */
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
out:
	close(s);
	return rc;
}
