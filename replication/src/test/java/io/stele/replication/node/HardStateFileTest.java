package io.stele.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.replication.raft.Membership;
import io.stele.replication.raft.ReplicaId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardStateFileTest {
  @TempDir Path dir;

  @Test
  void shouldReturnNullWhenNoFileExists() throws IOException {
    assertNull(new HardStateFile(dir, 0).load());
  }

  @Test
  void shouldLoadWhatWasLastSaved() throws IOException {
    final HardStateFile f = new HardStateFile(dir.resolve("data"), 3);
    final SplittableRandom r = new SplittableRandom(5);
    HardStateFile.State last = null;
    for (int i = 0; i < 20; i++) {
      last =
          new HardStateFile.State(r.nextLong(), ReplicaId.of(2, 1), 3, i + 1, ReplicaId.of(1, 0));
      f.save(last);
    }
    assertEquals(last, new HardStateFile(dir.resolve("data"), 3).load());
    assertEquals(HardStateFile.V2_FIXED_LENGTH + 4, Files.size(f.path()));
  }

  @Test
  void shouldKeepTheAppliedPointAndItsConfiguration() throws IOException {
    final HardStateFile f = new HardStateFile(dir, 0);
    final Membership m =
        Membership.ofVoters(
            new long[] {ReplicaId.of(1, 0), ReplicaId.of(2, 7), ReplicaId.of(3, 0)});
    final HardStateFile.State s =
        new HardStateFile.State(7, ReplicaId.of(1, 0), 0, 9, ReplicaId.of(2, 7), 1234, 8, m);
    f.save(s);
    assertEquals(s, f.load());
  }

  @Test
  void shouldLoadAVersionOneFile() throws IOException {
    // the layout before the applied point: 48 bytes, then their CRC32C
    final java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(52).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(HardStateFile.MAGIC).putInt(1).putLong(7).putLong(ReplicaId.of(1, 0)).putLong(0);
    b.putLong(9).putLong(ReplicaId.NONE);
    final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 0, 48);
    b.putInt((int) crc.getValue());
    final HardStateFile f = new HardStateFile(dir, 0);
    Files.write(f.path(), b.array());
    assertEquals(new HardStateFile.State(7, ReplicaId.of(1, 0), 0, 9, ReplicaId.NONE), f.load());
  }

  @Test
  void shouldRefuseAFileWithAnyFlippedBit() throws IOException {
    final HardStateFile f = new HardStateFile(dir, 0);
    f.save(
        new HardStateFile.State(
            7,
            ReplicaId.of(1, 0),
            0,
            9,
            ReplicaId.NONE,
            55,
            9,
            Membership.ofVoters(new long[] {ReplicaId.of(1, 0)})));
    final byte[] good = Files.readAllBytes(f.path());
    for (int i = 0; i < good.length; i++) {
      final byte[] bad = good.clone();
      bad[i] ^= (byte) (1 << (i % 8));
      Files.write(f.path(), bad);
      assertThrows(IOException.class, f::load, "flipped byte " + i);
    }
    Files.write(f.path(), good); // negative control
    assertEquals(9, f.load().term());
  }

  @Test
  void shouldRefuseATruncatedFile() throws IOException {
    final HardStateFile f = new HardStateFile(dir, 0);
    f.save(new HardStateFile.State(7, ReplicaId.of(1, 0), 0, 9, ReplicaId.NONE));
    final byte[] good = Files.readAllBytes(f.path());
    Files.write(f.path(), java.util.Arrays.copyOf(good, good.length - 1));
    assertThrows(IOException.class, f::load);
  }

  @Test
  void shouldIgnoreAndRemoveATemporaryFileLeftByACrash() throws IOException {
    final HardStateFile f = new HardStateFile(dir, 0);
    f.save(new HardStateFile.State(7, ReplicaId.of(1, 0), 0, 4, ReplicaId.NONE));
    final Path temp = dir.resolve("raft-0.state.tmp");
    Files.write(temp, new byte[] {1, 2, 3});
    assertEquals(4, f.load().term());
    assertFalse(Files.exists(temp));
    assertTrue(Files.exists(f.path()));
  }
}
