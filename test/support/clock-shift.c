/*
 * LD_PRELOAD shim that moves a process's wall clock by SAU_CLOCK_SHIFT_MS milliseconds, so a test
 * can put a real redis-server a few seconds before midnight (Redis TIME is the one clock every
 * count uses, and it cannot be set). libfaketime cannot do this for Debian's redis-server: its
 * dlsym lookup allocates, and jemalloc asks the clock while allocating. This shim calls the kernel
 * directly and allocates nothing. The monotonic clock is left alone.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long shift_ns(void) {
  static long long shift = -1;
  if (shift == -1) {
    const char *value = getenv("SAU_CLOCK_SHIFT_MS");
    shift = value ? atoll(value) * 1000000LL : 0;
  }
  return shift;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
  int rc = (int)syscall(SYS_clock_gettime, clock, ts);
  if (rc == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
    long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + shift_ns();
    ts->tv_sec = ns / 1000000000LL;
    ts->tv_nsec = ns % 1000000000LL;
  }
  return rc;
}

int gettimeofday(struct timeval *tv, void *tz) {
  struct timespec ts;
  (void)tz;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
  if (tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return 0;
}

time_t time(time_t *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
