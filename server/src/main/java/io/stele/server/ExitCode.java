package io.stele.server;

/** Process exit codes: stable, so scripts and supervisors can act on them. */
public final class ExitCode {
  private ExitCode() {}

  /** Clean exit, including a graceful shutdown on SIGTERM or SIGINT. */
  public static final int OK = 0;

  /** A fatal error at run time: the data directory or port unusable, a storage failure. */
  public static final int FATAL = 1;

  /** Bad usage or configuration: unknown command or option, a setting out of range. */
  public static final int USAGE = 2;
}
