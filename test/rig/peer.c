/* A libpcsclite client for cross-checking the core: runs PC/SC calls given as arguments on one
 * context and one card handle, and prints one JSON object per call.
 *
 * usage: peer CALL...   (PCSCLITE_CSOCK_NAME selects the daemon)
 *   list                       SCardListReaders
 *   gsc:READER[:READER...]     SCardGetStatusChange, every entry unaware, timeout 0
 *   connect:READER:SHARE:PROTO SCardConnect (SHARE 1 exclusive, 2 shared, 3 direct; PROTO mask)
 *   status                     SCardStatus
 *   attr:ID                    SCardGetAttrib with a 264-byte buffer (ID in hex)
 *   setattr:ID:HEX             SCardSetAttrib
 *   control:CODE               SCardControl with no input, 264-byte output (CODE in hex)
 *   transmit:HEX               SCardTransmit with the card's protocol PCI
 *   reconnect:SHARE:PROTO:INIT SCardReconnect
 *   disconnect:DISPOSITION     SCardDisconnect
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winscard.h>

static void hex(const unsigned char *b, unsigned long n) {
  putchar('"');
  for (unsigned long i = 0; i < n; i++) printf("%02X", b[i]);
  putchar('"');
}

static unsigned long unhex(const char *s, unsigned char *out, unsigned long max) {
  unsigned long n = 0;
  while (s[0] && s[1] && n < max) {
    unsigned int v;
    if (sscanf(s, "%2x", &v) != 1) break;
    out[n++] = (unsigned char)v;
    s += 2;
  }
  return n;
}

static void quoted(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') putchar('\\');
    putchar(*s);
  }
  putchar('"');
}

int main(int argc, char **argv) {
  SCARDCONTEXT ctx;
  SCARDHANDLE card = 0;
  DWORD proto = 0;
  LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
  printf("{\"call\":\"establish\",\"rv\":%lu}\n", (unsigned long)rv);
  if (rv != SCARD_S_SUCCESS) return 1;
  for (int i = 1; i < argc; i++) {
    char *call = strdup(argv[i]);
    char *parts[18] = {0};
    int n = 0;
    for (char *p = strtok(call, ":"); p && n < 18; p = strtok(NULL, ":")) parts[n++] = p;
    if (n == 0) continue;
    const char *op = parts[0];
    printf("{\"call\":");
    quoted(op);
    if (!strcmp(op, "list")) {
      char buf[4096];
      DWORD len = sizeof buf;
      rv = SCardListReaders(ctx, NULL, buf, &len);
      printf(",\"rv\":%lu,\"readers\":[", (unsigned long)rv);
      if (rv == SCARD_S_SUCCESS)
        for (char *r = buf; *r; r += strlen(r) + 1) {
          if (r != buf) putchar(',');
          quoted(r);
        }
      putchar(']');
    } else if (!strcmp(op, "gsc")) {
      SCARD_READERSTATE st[16];
      int k = n - 1;
      memset(st, 0, sizeof st);
      for (int j = 0; j < k; j++) st[j].szReader = parts[j + 1];
      rv = SCardGetStatusChange(ctx, 0, st, k);
      printf(",\"rv\":%lu,\"states\":[", (unsigned long)rv);
      for (int j = 0; j < k; j++) {
        printf("%s{\"reader\":", j ? "," : "");
        quoted(st[j].szReader);
        printf(",\"eventState\":%lu,\"atr\":", (unsigned long)st[j].dwEventState);
        hex(st[j].rgbAtr, st[j].cbAtr);
        putchar('}');
      }
      putchar(']');
    } else if (!strcmp(op, "connect") && n == 4) {
      rv = SCardConnect(ctx, parts[1], strtoul(parts[2], NULL, 0), strtoul(parts[3], NULL, 0), &card, &proto);
      printf(",\"rv\":%lu,\"protocol\":%lu", (unsigned long)rv, (unsigned long)proto);
    } else if (!strcmp(op, "status")) {
      char name[256];
      DWORD nlen = sizeof name, state = 0, p = 0, alen = MAX_ATR_SIZE;
      unsigned char atr[MAX_ATR_SIZE];
      rv = SCardStatus(card, name, &nlen, &state, &p, atr, &alen);
      printf(",\"rv\":%lu,\"state\":%lu,\"protocol\":%lu,\"atr\":", (unsigned long)rv, (unsigned long)state, (unsigned long)p);
      hex(atr, rv == SCARD_S_SUCCESS ? alen : 0);
    } else if (!strcmp(op, "attr") && n == 2) {
      unsigned char buf[264];
      DWORD len = sizeof buf;
      rv = SCardGetAttrib(card, strtoul(parts[1], NULL, 16), buf, &len);
      printf(",\"rv\":%lu,\"value\":", (unsigned long)rv);
      hex(buf, rv == SCARD_S_SUCCESS ? len : 0);
    } else if (!strcmp(op, "setattr") && n == 3) {
      unsigned char buf[264];
      unsigned long len = unhex(parts[2], buf, sizeof buf);
      rv = SCardSetAttrib(card, strtoul(parts[1], NULL, 16), buf, len);
      printf(",\"rv\":%lu", (unsigned long)rv);
    } else if (!strcmp(op, "control") && n == 2) {
      unsigned char out[264];
      DWORD got = 0;
      rv = SCardControl(card, strtoul(parts[1], NULL, 16), NULL, 0, out, sizeof out, &got);
      printf(",\"rv\":%lu,\"value\":", (unsigned long)rv);
      hex(out, rv == SCARD_S_SUCCESS ? got : 0);
    } else if (!strcmp(op, "transmit") && n == 2) {
      static unsigned char in[65548], out[65548];
      unsigned long len = unhex(parts[1], in, sizeof in);
      DWORD olen = sizeof out;
      const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
      rv = SCardTransmit(card, pci, in, len, NULL, out, &olen);
      printf(",\"rv\":%lu,\"value\":", (unsigned long)rv);
      hex(out, rv == SCARD_S_SUCCESS ? olen : 0);
    } else if (!strcmp(op, "reconnect") && n == 4) {
      rv = SCardReconnect(card, strtoul(parts[1], NULL, 0), strtoul(parts[2], NULL, 0), strtoul(parts[3], NULL, 0), &proto);
      printf(",\"rv\":%lu,\"protocol\":%lu", (unsigned long)rv, (unsigned long)proto);
    } else if (!strcmp(op, "disconnect") && n == 2) {
      rv = SCardDisconnect(card, strtoul(parts[1], NULL, 0));
      printf(",\"rv\":%lu", (unsigned long)rv);
    } else {
      printf(",\"error\":\"bad call\"");
    }
    printf("}\n");
    fflush(stdout);
    free(call);
  }
  SCardReleaseContext(ctx);
  return 0;
}
