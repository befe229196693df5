package io.stele.perf.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An open-addressing map from payload id to slot. A produce's slot is its index in the history;
 * payloads no op produced get slots after those. Per slot it keeps where the reference log first
 * holds the payload (partition number -1 until found). It holds only primitive arrays, so indexing
 * a million payloads costs no per-entry objects and no reference stores.
 */
final class PayloadIndex {
  private final Op[] history;
  private final List<String> strangers = new ArrayList<>();
  private int[] table;
  private int mask;
  private int size;
  private int[] hashes;
  private int[] tps;
  private long[] offsets;

  PayloadIndex(final Op[] history) {
    this.history = history;
    int cap = 16;
    while (cap < history.length * 2L && cap < (1 << 30)) {
      cap <<= 1;
    }
    table = new int[cap];
    mask = cap - 1;
    hashes = new int[history.length + 16];
    tps = new int[hashes.length];
    offsets = new long[hashes.length];
  }

  /** The slot of {@code payload}, or -1. */
  int find(final String payload) {
    final int h = payload.hashCode();
    for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
      final int slot = table[i] - 1;
      if (slot < 0) {
        return -1;
      }
      if (hashes[slot] == h && key(slot).equals(payload)) {
        return slot;
      }
    }
  }

  /** Adds the payload of history op {@code index}: its slot, or {@code -(existing slot) - 1}. */
  int addOp(final int index) {
    return add(history[index].payloadId(), index);
  }

  /** Adds a payload no op produced and returns its slot; it must not be present. */
  int addStranger(final String payload) {
    final int slot = history.length + strangers.size();
    strangers.add(payload);
    if (slot >= hashes.length) {
      final int n = hashes.length * 2;
      hashes = Arrays.copyOf(hashes, n);
      tps = Arrays.copyOf(tps, n);
      offsets = Arrays.copyOf(offsets, n);
    }
    return add(payload, slot);
  }

  /** The op that produced the slot's payload, or null. */
  Op op(final int slot) {
    return slot < history.length ? history[slot] : null;
  }

  /** Partition number where the reference log first holds the payload, or -1. */
  int tp(final int slot) {
    return tps[slot];
  }

  long offset(final int slot) {
    return offsets[slot];
  }

  void locate(final int slot, final int tp, final long offset) {
    tps[slot] = tp;
    offsets[slot] = offset;
  }

  private String key(final int slot) {
    return slot < history.length ? history[slot].payloadId() : strangers.get(slot - history.length);
  }

  private int add(final String payload, final int slot) {
    final int h = payload.hashCode();
    int i = spread(h) & mask;
    for (; table[i] != 0; i = (i + 1) & mask) {
      final int other = table[i] - 1;
      if (hashes[other] == h && key(other).equals(payload)) {
        return -other - 1;
      }
    }
    table[i] = slot + 1;
    hashes[slot] = h;
    tps[slot] = -1;
    if (++size * 2L > table.length) {
      grow();
    }
    return slot;
  }

  private void grow() {
    final int[] old = table;
    table = new int[old.length * 2];
    mask = table.length - 1;
    for (final int entry : old) {
      if (entry != 0) {
        int i = spread(hashes[entry - 1]) & mask;
        while (table[i] != 0) {
          i = (i + 1) & mask;
        }
        table[i] = entry;
      }
    }
  }

  private static int spread(final int h) {
    final int x = h * 0x9E3779B9;
    return x ^ (x >>> 16);
  }
}
