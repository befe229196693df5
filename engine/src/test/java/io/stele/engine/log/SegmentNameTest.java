package io.stele.engine.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SegmentNameTest {
  @Test
  void shouldNameSegmentsByTheirBasePositionInTwentyDigits() {
    for (final long base : new long[] {0, 1, 67_108_864, 123_456_789_012L, Long.MAX_VALUE}) {
      assertEquals(
          String.format("%020d%s", base, Segment.SEALED_SUFFIX),
          Segment.fileName(base, Segment.SEALED_SUFFIX));
    }
    assertEquals("00000000000067108864.open", Segment.fileName(67_108_864, Segment.OPEN_SUFFIX));
    assertThrows(IllegalArgumentException.class, () -> Segment.fileName(-1, Segment.OPEN_SUFFIX));
  }
}
