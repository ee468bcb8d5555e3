/* The reference for bench/apdu-repeat.bench.ts: libpcsclite's own client sending one APDU N times.
 *
 * usage: apdu-loop READER N HEX [-t]
 *   -t  send all N inside one SCardBeginTransaction/SCardEndTransaction (as pcsc apdu does)
 * Prints {"apdus": N, "totalUs": T, "perApduUs": P} measured around the transmit loop only.
 * Exit 3 if a transmit fails or the status word is not 90 00.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winscard.h>

static int unhex(const char *s, unsigned char *out, size_t max) {
	size_t n = 0;
	while (s[0] && s[1] && n < max) {
		unsigned int b;
		if (sscanf(s, "%2x", &b) != 1) return -1;
		out[n++] = (unsigned char)b;
		s += 2;
	}
	return s[0] ? -1 : (int)n;
}

static double now_us(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: apdu-loop READER N HEX [-t]\n");
		return 2;
	}
	long n = atol(argv[2]);
	int transaction = argc > 4 && strcmp(argv[4], "-t") == 0;
	unsigned char apdu[300], rsp[MAX_BUFFER_SIZE_EXTENDED];
	int len = unhex(argv[3], apdu, sizeof apdu);
	if (len < 4 || n < 1) {
		fprintf(stderr, "apdu-loop: bad APDU or count\n");
		return 2;
	}
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto, rlen;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "apdu-loop: SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
		return 3;
	}
	rv = SCardConnect(ctx, argv[1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "apdu-loop: SCardConnect: %s\n", pcsc_stringify_error(rv));
		return 3;
	}
	const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	if (transaction && (rv = SCardBeginTransaction(card)) != SCARD_S_SUCCESS) {
		fprintf(stderr, "apdu-loop: SCardBeginTransaction: %s\n", pcsc_stringify_error(rv));
		return 3;
	}
	double start = now_us();
	for (long i = 0; i < n; i++) {
		rlen = sizeof rsp;
		rv = SCardTransmit(card, pci, apdu, (DWORD)len, NULL, rsp, &rlen);
		if (rv != SCARD_S_SUCCESS || rlen < 2 || rsp[rlen - 2] != 0x90 || rsp[rlen - 1] != 0x00) {
			fprintf(stderr, "apdu-loop: APDU %ld failed: %s\n", i + 1, pcsc_stringify_error(rv));
			return 3;
		}
	}
	double total = now_us() - start;
	if (transaction) SCardEndTransaction(card, SCARD_LEAVE_CARD);
	SCardDisconnect(card, SCARD_LEAVE_CARD);
	SCardReleaseContext(ctx);
	printf("{\"apdus\": %ld, \"totalUs\": %.0f, \"perApduUs\": %.2f}\n", n, total, total / n);
	return 0;
}
