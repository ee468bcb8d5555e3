/* SCardCancel as libpcsclite sends it (on a connection of its own, without CMD_VERSION), for the
 * proxy tests: one thread waits for a change that never comes, the main thread cancels it, and
 * the context must still work afterwards.
 *
 * usage: cancel READER
 * Output: "cancel 0xRV wait 0xRV", "list 0xRV"; exit 1 when the context cannot be established.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <PCSC/winscard.h>

static SCARDCONTEXT ctx;
static const char *reader;
static LONG waitRv = 1;
static volatile int waited;

static void *waiter(void *arg) {
	SCARD_READERSTATE st[1] = {{ .szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE }};
	SCardGetStatusChange(ctx, 0, st, 1);
	st[0].dwCurrentState = st[0].dwEventState;
	waitRv = SCardGetStatusChange(ctx, INFINITE, st, 1);
	waited = 1;
	return arg;
}

int main(int argc, char **argv) {
	if (argc != 2) return 2;
	reader = argv[1];
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		printf("FAIL SCardEstablishContext 0x%08lX\n", (unsigned long)rv);
		return 1;
	}
	pthread_t t;
	pthread_create(&t, NULL, waiter, NULL);
	/* A cancel that comes before the waiter has registered wakes nothing: repeat until it wakes
	 * (bounded: the test fails on "wait 0x00000001"). */
	for (int i = 0; i < 40 && !waited; i++) {
		usleep(250000);
		if (!waited) rv = SCardCancel(ctx);
	}
	if (!waited) {
		printf("cancel 0x%08lX wait 0x00000001\n", (unsigned long)rv);
		return 1;
	}
	pthread_join(t, NULL);
	printf("cancel 0x%08lX wait 0x%08lX\n", (unsigned long)rv, (unsigned long)waitRv);
	DWORD n = 0;
	printf("list 0x%08lX\n", (unsigned long)SCardListReaders(ctx, NULL, NULL, &n));
	SCardReleaseContext(ctx);
	return 0;
}
