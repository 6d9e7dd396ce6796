/*
 * dpvpn-udp-blast: UDP datagrams as fast as the kernel takes them, for the
 * OpenVPN baseline (bench/openvpn_baseline.py), which cannot use a DPDK
 * port: its traffic has to go through tun devices and sockets.
 *
 *   dpvpn-udp-blast DST_IP PORT INNER_LEN|imix SECONDS
 *
 * INNER_LEN is the IPv4 packet length (payload = INNER_LEN - 28); imix is
 * 7:4:1 of 64/570/1420. Prints the datagrams sent.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static const unsigned imix[12] = { 64, 570, 64, 64, 570, 64, 1420, 64, 570, 64, 570, 64 };

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char buf[1500];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	if (argc != 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: dpvpn-udp-blast DST_IP PORT INNER_LEN|imix SECONDS\n");
		return 1;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	unsigned len = strcmp(argv[3], "imix") ? (unsigned)atoi(argv[3]) : 0;
	double secs = atof(argv[4]);
	if ((len && (len < 28 + 8 || len > 1428)) || secs <= 0) {
		fprintf(stderr, "udp-blast: length 36..1428 or imix, seconds > 0\n");
		return 1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		perror("udp-blast");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (unsigned i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = (len ? len : imix[i % 12]) - 28;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	double end = now_s() + secs;
	while (now_s() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += (unsigned)n;
	}
	printf("%llu\n", sent);
	close(fd);
	return 0;
}
