package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two things a node's start-up path must not do, checked on the compiled classes (docs/tuning.md,
 * "Start-up"): link string concatenation through {@code StringConcatFactory} (the build compiles it
 * inline, {@code -XDstringConcat=inline}) and link {@link Setting}'s {@code equals}/{@code
 * hashCode} through {@code ObjectMethods} (the settings are map keys). Each links at first use by
 * spinning method-handle classes, which a class-data archive does not keep: together ~0.1 s of
 * {@code main} before the log opens. The same detector runs on classes compiled here with and
 * without the flag, and on a record without declared methods, and must find those: proof it can
 * fail.
 */
class StartupBytecodeTest {
  private static final String CONCAT = "makeConcatWithConstants";
  private static final String OBJECT_METHODS = "java/lang/runtime/ObjectMethods";

  @Test
  void shouldCompileStringConcatenationInlineInEveryModuleANodeRuns() throws Exception {
    final List<Class<?>> modules =
        List.of(
            io.stele.engine.Engine.class,
            io.stele.net.ClusterView.class,
            io.stele.replication.raft.RaftCore.class,
            Main.class);
    int scanned = 0;
    final List<String> offenders = new ArrayList<>();
    for (final Class<?> anchor : modules) {
      final List<byte[]> bytes = new ArrayList<>();
      final List<String> names = new ArrayList<>();
      forEachClass(anchor, names, bytes);
      assertFalse(bytes.isEmpty(), "no class found next to " + anchor.getName());
      for (int i = 0; i < bytes.size(); i++) {
        scanned++;
        if (refersTo(bytes.get(i), CONCAT)) {
          offenders.add(names.get(i));
        }
      }
    }
    assertTrue(scanned > 200, "only " + scanned + " classes scanned: the check would be vacuous");
    assertEquals(List.of(), offenders, "classes linking string concatenation at run time");
  }

  @Test
  void shouldDeclareSettingIdentityInsteadOfGeneratedRecordMethods() throws Exception {
    final byte[] setting = classBytes(Setting.class);
    assertFalse(refersTo(setting, OBJECT_METHODS), "Setting links ObjectMethods at run time");
    // Behaviour kept: every setting is its own key.
    final Setting<String> a = Setting.textSetting("x", "d", "r", "doc");
    final Setting<String> b = new Setting<>(a.name(), "d", "r", "doc", a.parser());
    assertNotEquals(a, b);
    assertEquals(a, a);
  }

  @Test
  void detectorsFindWhatTheyLookFor(@TempDir final Path dir) throws IOException {
    final Path src = dir.resolve("Probe.java");
    Files.writeString(
        src,
        "public class Probe {\n"
            + "  record R(int a) {}\n"
            + "  static String f(int a, long b) { return \"a=\" + a + \" b=\" + b; }\n"
            + "  static boolean g(R x, R y) { return x.equals(y); }\n"
            + "}\n");
    final Path plain = dir.resolve("plain");
    final Path inline = dir.resolve("inline");
    compile(src, plain);
    compile(src, inline, "-XDstringConcat=inline");
    assertTrue(refersTo(Files.readAllBytes(plain.resolve("Probe.class")), CONCAT));
    assertFalse(refersTo(Files.readAllBytes(inline.resolve("Probe.class")), CONCAT));
    assertTrue(refersTo(Files.readAllBytes(plain.resolve("Probe$R.class")), OBJECT_METHODS));
  }

  private static void compile(final Path src, final Path out, final String... extra)
      throws IOException {
    Files.createDirectories(out);
    final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "no system Java compiler: the tests need a JDK, not a JRE");
    final List<String> args = new ArrayList<>(List.of("--release", "17", "-d", out.toString()));
    args.addAll(List.of(extra));
    args.add(src.toString());
    assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "javac failed");
  }

  /** True when a class file's constant pool holds {@code utf8} (modified UTF-8 = ASCII here). */
  static boolean refersTo(final byte[] classFile, final String utf8) {
    final byte[] needle = utf8.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + needle.length <= classFile.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (classFile[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static byte[] classBytes(final Class<?> c) throws IOException {
    try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
      return in.readAllBytes();
    }
  }

  /** Every {@code io/stele/} class of the jar or directory {@code anchor} was loaded from. */
  private static void forEachClass(
      final Class<?> anchor, final List<String> names, final List<byte[]> bytes)
      throws IOException, URISyntaxException {
    final Path where = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    final Function<String, Boolean> wanted = n -> n.startsWith("io/stele/") && n.endsWith(".class");
    if (Files.isDirectory(where)) {
      try (Stream<Path> files = Files.walk(where)) {
        for (final Path p : (Iterable<Path>) files::iterator) {
          final String rel = where.relativize(p).toString().replace('\\', '/');
          if (wanted.apply(rel)) {
            names.add(rel);
            bytes.add(Files.readAllBytes(p));
          }
        }
      }
    } else {
      try (JarFile jar = new JarFile(where.toFile())) {
        for (final JarEntry e : (Iterable<JarEntry>) jar.stream()::iterator) {
          if (wanted.apply(e.getName())) {
            names.add(e.getName());
            try (InputStream in = jar.getInputStream(e)) {
              bytes.add(in.readAllBytes());
            }
          }
        }
      }
    }
  }
}
