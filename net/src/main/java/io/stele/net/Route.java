package io.stele.net;

/**
 * A path prefix and the handler that serves it. A request matches the first route whose prefix
 * equals its path or is followed in it by {@code /}.
 */
public record Route(String prefix, RouteHandler handler) {
  boolean matches(final String path) {
    return path.startsWith(prefix)
        && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
  }
}
