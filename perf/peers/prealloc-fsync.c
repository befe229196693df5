/*
 * prealloc-fsync: the cost of a flush into a segment whose space was written with zeros versus
 * one whose blocks were only reserved with fallocate (docs/benchmarks.md, "Segment init").
 * Makes a 64 MiB file in the current directory, then N times: pwrite SIZE bytes after the last,
 * fdatasync. Prints the mean time of one write + flush.
 *
 *   gcc -O2 -o /tmp/prealloc-fsync perf/peers/prealloc-fsync.c
 *   cd /tmp && for i in 1 2; do for m in zero falloc; do /tmp/prealloc-fsync $m 4096 3000; done; done
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
  if (argc != 4 || (strcmp(argv[1], "zero") && strcmp(argv[1], "falloc"))) {
    fprintf(stderr, "usage: %s zero|falloc WRITE_BYTES COUNT\n", argv[0]);
    return 2;
  }
  const long size = 64L << 20;
  const int wsz = atoi(argv[2]), n = atoi(argv[3]);
  if (wsz <= 0 || n <= 0 || (long)wsz * n > size) {
    fprintf(stderr, "WRITE_BYTES * COUNT must fit in 64 MiB\n");
    return 2;
  }
  char path[64];
  snprintf(path, sizeof path, "prealloc-fsync.%s.tmp", argv[1]);
  unlink(path);
  const int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
  if (fd < 0) { perror("open"); return 1; }
  const double t0 = now();
  if (!strcmp(argv[1], "zero")) {
    char *z = calloc(1, 1 << 20);
    for (long o = 0; o < size; o += 1 << 20) {
      if (pwrite(fd, z, 1 << 20, o) != 1 << 20) { perror("pwrite"); return 1; }
    }
    free(z);
    if (fdatasync(fd)) { perror("fdatasync"); return 1; }
  } else {
    if (fallocate(fd, 0, 0, size)) { perror("fallocate"); return 1; }
    if (fsync(fd)) { perror("fsync"); return 1; }
  }
  const double t1 = now();
  char *buf = malloc(wsz);
  memset(buf, 'x', wsz);
  long off = 0;
  const double t2 = now();
  for (int i = 0; i < n; i++) {
    if (pwrite(fd, buf, wsz, off) != wsz) { perror("pwrite"); return 1; }
    off += wsz;
    if (fdatasync(fd)) { perror("fdatasync"); return 1; }
  }
  const double t3 = now();
  printf("%s: prealloc %.1f ms; %d x (pwrite %d + fdatasync): %.1f us each\n", argv[1],
         (t1 - t0) * 1e3, n, wsz, (t3 - t2) / n * 1e6);
  free(buf);
  close(fd);
  unlink(path);
  return 0;
}
