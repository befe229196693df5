package io.stele.net.api;

import java.nio.charset.StandardCharsets;

/**
 * Key → partition: murmur3 (32-bit, seed 0) of the key's UTF-8 bytes, modulo the partition count.
 * Stable across restarts, nodes and versions: changing it would move keys between partitions.
 */
final class Partitioner {
  private Partitioner() {}

  @SuppressWarnings("fallthrough")
  static int hash(final String key) {
    final byte[] data = key.getBytes(StandardCharsets.UTF_8);
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = 0;
    final int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k =
          (data[4 * i] & 0xFF)
              | (data[4 * i + 1] & 0xFF) << 8
              | (data[4 * i + 2] & 0xFF) << 16
              | (data[4 * i + 3] & 0xFF) << 24;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int k = 0;
    final int tail = blocks * 4;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xFF) << 16;
      // fall through
      case 2:
        k ^= (data[tail + 1] & 0xFF) << 8;
      // fall through
      case 1:
        k ^= data[tail] & 0xFF;
        k *= c1;
        k = Integer.rotateLeft(k, 15);
        k *= c2;
        h ^= k;
        break;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
