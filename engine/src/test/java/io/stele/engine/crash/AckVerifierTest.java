package io.stele.engine.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.internal.StorageEngine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Negative controls for the crash tests' checker: it must see a lost or altered ack. */
class AckVerifierTest {
  @TempDir Path dir;

  @Test
  void shouldReportLostAndAlteredAcksAndAcceptTrueOnes() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      EngineFixture.create(e, CrashChild.TOPIC, CrashChild.PARTITIONS);
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      EngineFixture.append(e, r, c, CrashChild.TOPIC, 1, Durability.LOCAL, 1, "a-1", "a-2");
      assertEquals(AppendStatus.OK, c.next().status());

      final AckVerifier good = new AckVerifier();
      good.addAcks(List.of("A 1 0 2 a-1 a-2"));
      assertEquals(List.of(), good.verify(e, CrashChild.TOPIC, CrashChild.PARTITIONS));

      final AckVerifier lost = new AckVerifier();
      lost.addAcks(List.of("A 1 0 2 a-1 a-2", "A 1 2 1 never-written"));
      final List<String> p1 = lost.verify(e, CrashChild.TOPIC, CrashChild.PARTITIONS);
      assertTrue(p1.stream().anyMatch(s -> s.contains("acked offset 2 lost")), p1.toString());

      final AckVerifier altered = new AckVerifier();
      altered.addAcks(List.of("A 1 0 2 a-1 a-X"));
      final List<String> p2 = altered.verify(e, CrashChild.TOPIC, CrashChild.PARTITIONS);
      assertTrue(p2.stream().anyMatch(s -> s.contains("holds a-2 but acked a-X")), p2.toString());
    }
  }
}
