/* A small libpcsclite client for the proxy tests: one full PC/SC session through whatever
 * PCSCLITE_CSOCK_NAME points at. Lists readers, reads the first reader's state (and the PnP
 * pseudo-reader's), connects, sends COUNT echo APDUs (INS E2) carrying TAG and a counter and
 * checks each answer is its own, reads SCardStatus, disconnects.
 *
 * usage: session TAG COUNT
 * Output: "reader NAME", "state 0xHEX", "pnp 0xHEX", "atr HEX", "ok COUNT"; or "FAIL ..." and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <PCSC/winscard.h>

static int fail(const char *what, LONG rv) {
	printf("FAIL %s 0x%08lX %s\n", what, (unsigned long)rv, pcsc_stringify_error(rv));
	return 1;
}

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	unsigned long tag = strtoul(argv[1], NULL, 0);
	long count = strtol(argv[2], NULL, 0);
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) return fail("SCardEstablishContext", rv);

	char readers[2048];
	DWORD len = sizeof readers;
	rv = SCardListReaders(ctx, NULL, readers, &len);
	if (rv != SCARD_S_SUCCESS) return fail("SCardListReaders", rv);
	for (char *r = readers; *r; r += strlen(r) + 1) printf("reader %s\n", r);

	SCARD_READERSTATE st[2];
	memset(st, 0, sizeof st);
	st[0].szReader = readers;
	st[0].dwCurrentState = SCARD_STATE_UNAWARE;
	st[1].szReader = "\\\\?PnP?\\Notification";
	st[1].dwCurrentState = SCARD_STATE_UNAWARE;
	rv = SCardGetStatusChange(ctx, 0, st, 2);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return fail("SCardGetStatusChange", rv);
	printf("state 0x%08lX\n", (unsigned long)st[0].dwEventState);
	printf("pnp 0x%08lX\n", (unsigned long)st[1].dwEventState);

	SCARDHANDLE card;
	DWORD proto;
	rv = SCardConnect(ctx, readers, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
	if (rv != SCARD_S_SUCCESS) return fail("SCardConnect", rv);
	const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;

	for (long i = 0; i < count; i++) {
		BYTE cmd[13] = {0x00, 0xE2, 0x00, 0x00, 0x08};
		for (int k = 0; k < 4; k++) {
			cmd[5 + k] = (BYTE)(tag >> (24 - 8 * k));
			cmd[9 + k] = (BYTE)((unsigned long)i >> (24 - 8 * k));
		}
		BYTE resp[64];
		DWORD rlen = sizeof resp;
		rv = SCardTransmit(card, pci, cmd, sizeof cmd, NULL, resp, &rlen);
		if (rv != SCARD_S_SUCCESS) return fail("SCardTransmit", rv);
		if (rlen != 10 || memcmp(resp, cmd + 5, 8) != 0 || resp[8] != 0x90 || resp[9] != 0x00) {
			printf("FAIL answer %ld is not ours:", i);
			for (DWORD k = 0; k < rlen; k++) printf(" %02X", resp[k]);
			printf("\n");
			return 1;
		}
	}

	char name[256];
	DWORD nlen = sizeof name, state, sproto;
	BYTE atr[MAX_ATR_SIZE];
	DWORD alen = sizeof atr;
	rv = SCardStatus(card, name, &nlen, &state, &sproto, atr, &alen);
	if (rv != SCARD_S_SUCCESS) return fail("SCardStatus", rv);
	printf("atr ");
	for (DWORD k = 0; k < alen; k++) printf("%02X", atr[k]);
	printf("\n");

	rv = SCardDisconnect(card, SCARD_LEAVE_CARD);
	if (rv != SCARD_S_SUCCESS) return fail("SCardDisconnect", rv);
	rv = SCardReleaseContext(ctx);
	if (rv != SCARD_S_SUCCESS) return fail("SCardReleaseContext", rv);
	printf("ok %ld\n", count);
	return 0;
}
