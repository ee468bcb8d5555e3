/* A libpcsclite client that holds a reader: connects to it exclusively, or shared with a transaction
 * begun, prints "ready", and keeps the hold until its stdin closes (then releases everything).
 *
 * usage: holder READER exclusive|transaction   (PCSCLITE_CSOCK_NAME selects the daemon)
 */
#include <stdio.h>
#include <string.h>
#include <winscard.h>

int main(int argc, char **argv) {
  SCARDCONTEXT ctx;
  SCARDHANDLE card;
  DWORD proto;
  LONG rv;
  int exclusive;
  if (argc != 3) {
    fprintf(stderr, "usage: holder READER exclusive|transaction\n");
    return 2;
  }
  exclusive = strcmp(argv[2], "exclusive") == 0;
  rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
  if (rv != SCARD_S_SUCCESS) {
    fprintf(stderr, "holder: SCardEstablishContext: 0x%lX\n", (unsigned long)rv);
    return 1;
  }
  rv = SCardConnect(ctx, argv[1], exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED,
                    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
  if (rv != SCARD_S_SUCCESS) {
    fprintf(stderr, "holder: SCardConnect: 0x%lX\n", (unsigned long)rv);
    return 1;
  }
  if (!exclusive) {
    rv = SCardBeginTransaction(card);
    if (rv != SCARD_S_SUCCESS) {
      fprintf(stderr, "holder: SCardBeginTransaction: 0x%lX\n", (unsigned long)rv);
      return 1;
    }
  }
  printf("ready\n");
  fflush(stdout);
  while (getchar() != EOF) {
  }
  if (!exclusive) SCardEndTransaction(card, SCARD_LEAVE_CARD);
  SCardDisconnect(card, SCARD_LEAVE_CARD);
  SCardReleaseContext(ctx);
  return 0;
}
