/* libpcsclite's own client in a transmit loop: the reference for bench/transmit.ts.
 * usage: transmit READER COUNT APDU_HEX   (PCSCLITE_CSOCK_NAME selects the daemon)
 * After 300 untimed APDUs, times COUNT of them and prints {"count": N, "seconds": S,
 * "cpuSeconds": C, "response": HEX} (C: user + system CPU of the timed loop). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <winscard.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: transmit READER COUNT APDU_HEX\n");
    return 2;
  }
  long count = strtol(argv[2], NULL, 10);
  unsigned char apdu[300], resp[300];
  size_t len = 0;
  for (const char *s = argv[3]; s[0] && s[1] && len < sizeof apdu; s += 2) {
    unsigned int v;
    if (sscanf(s, "%2x", &v) != 1) return 2;
    apdu[len++] = (unsigned char)v;
  }
  SCARDCONTEXT ctx;
  SCARDHANDLE card;
  DWORD proto, rlen = sizeof resp;
  LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
  if (rv == SCARD_S_SUCCESS) rv = SCardConnect(ctx, argv[1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
  if (rv != SCARD_S_SUCCESS) {
    fprintf(stderr, "transmit: %s\n", pcsc_stringify_error(rv));
    return 1;
  }
  const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  for (long i = 0; i < 2000; i++) { /* warm-up outside the timing, as transmit-client.mjs */
    rlen = sizeof resp;
    rv = SCardTransmit(card, pci, apdu, len, NULL, resp, &rlen);
    if (rv != SCARD_S_SUCCESS) {
      fprintf(stderr, "transmit: %s\n", pcsc_stringify_error(rv));
      return 1;
    }
  }
  struct rusage ru0;
  getrusage(RUSAGE_SELF, &ru0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < count; i++) {
    rlen = sizeof resp;
    rv = SCardTransmit(card, pci, apdu, len, NULL, resp, &rlen);
    if (rv != SCARD_S_SUCCESS) {
      fprintf(stderr, "transmit %ld: %s\n", i, pcsc_stringify_error(rv));
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               ((ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec) + (ru.ru_stime.tv_usec - ru0.ru_stime.tv_usec)) / 1e6;
  printf("{\"count\": %ld, \"seconds\": %.6f, \"cpuSeconds\": %.6f, \"response\": \"", count, s, cpu);
  for (DWORD i = 0; i < rlen; i++) printf("%02X", resp[i]);
  printf("\"}\n");
  SCardDisconnect(card, SCARD_LEAVE_CARD);
  SCardReleaseContext(ctx);
  return 0;
}
