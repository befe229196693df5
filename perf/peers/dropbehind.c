/*
 * dropbehind: what the engine's cache window is for (docs/benchmarks.md, "Cache window").
 * Writes TOTAL_MIB into a new file in 1 MiB pwrites, with an fdatasync every 32 MiB (the engine's
 * unflushed limit); in mode drop, after each fdatasync it drops every page more than WINDOW_MIB
 * behind with posix_fadvise(POSIX_FADV_DONTNEED), as the housekeeper does. Prints the write rate
 * and, in mode drop, the time the advice itself took per GiB dropped. Deletes the file.
 *
 *   gcc -O2 -o /tmp/dropbehind perf/peers/dropbehind.c
 *   cd /tmp && for i in 1 2; do for m in drop keep; do sleep 8; /tmp/dropbehind $m 3072 256; done; done
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4 || (strcmp(argv[1], "drop") && strcmp(argv[1], "keep"))) {
    fprintf(stderr, "usage: %s drop|keep TOTAL_MIB WINDOW_MIB\n", argv[0]);
    return 2;
  }
  const int drop = strcmp(argv[1], "drop") == 0;
  const long total = atol(argv[2]) << 20, window = atol(argv[3]) << 20;
  const long chunk = 1L << 20, flush_every = 32L << 20;
  const char *path = "dropbehind.tmp";
  const int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  char *buf = aligned_alloc(4096, chunk);
  memset(buf, 'x', chunk);
  long synced = 0, dropped = 0;
  double advice = 0;
  const double t0 = now();
  for (long off = 0; off < total; off += chunk) {
    if (pwrite(fd, buf, chunk, off) != chunk) {
      perror("pwrite");
      return 1;
    }
    if (off + chunk - synced >= flush_every) {
      if (fdatasync(fd) != 0) {
        perror("fdatasync");
        return 1;
      }
      synced = off + chunk;
      if (drop && synced - window > dropped) {
        const double a = now();
        posix_fadvise(fd, dropped, synced - window - dropped, POSIX_FADV_DONTNEED);
        advice += now() - a;
        dropped = synced - window;
      }
    }
  }
  const double secs = now() - t0;
  printf("%s: %.0f MB/s", argv[1], (total >> 20) / secs);
  if (drop && dropped > 0) {
    printf(", advice %.1f ms per GiB dropped", advice * 1e3 / ((double)dropped / (1L << 30)));
  }
  printf("\n");
  close(fd);
  unlink(path);
  return 0;
}
