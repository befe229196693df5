package io.stele.server;

/** The node cannot run: the message is one line for the operator. Exits {@link ExitCode#FATAL}. */
public final class FatalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FatalException(final String message, final Throwable cause) {
    super(message, cause);
  }
}
