package io.stele.server;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs handlers for SIGTERM and SIGINT that start a graceful shutdown instead of the JVM's
 * default (shutdown hooks, then exit status 143). The server then exits 0 after draining.
 *
 * <p>{@code sun.misc.Signal} lives in {@code jdk.unsupported}, which every JDK exports; it is
 * reached by reflection because javac reports it as proprietary API with no way to silence the
 * warning under {@code -Werror}.
 */
final class Signals {
  private Signals() {}

  /**
   * Calls {@code onSignal} with the signal name ({@code TERM} or {@code INT}) on the JVM's signal
   * thread. Returns false if this JVM does not support it (then the JVM default applies).
   */
  static boolean install(final java.util.function.Consumer<String> onSignal) {
    try {
      final Class<?> signalClass = Class.forName("sun.misc.Signal");
      final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      final InvocationHandler invocation =
          (final Object proxy, final Method method, final Object[] args) -> {
            if ("handle".equals(method.getName()) && args != null && args.length == 1) {
              onSignal.accept((String) signalClass.getMethod("getName").invoke(args[0]));
              return null;
            }
            if ("toString".equals(method.getName())) {
              return "stele-signal-handler";
            }
            if ("hashCode".equals(method.getName())) {
              return System.identityHashCode(proxy);
            }
            if ("equals".equals(method.getName())) {
              return proxy == args[0];
            }
            return null;
          };
      final Object handler =
          Proxy.newProxyInstance(
              Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, invocation);
      final Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
      for (final String name : new String[] {"TERM", "INT"}) {
        final Object signal = signalClass.getConstructor(String.class).newInstance(name);
        handle.invoke(null, signal, handler);
      }
      return true;
    } catch (final ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
