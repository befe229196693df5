package io.stele.archfixture.server;

/** A stand-in for the wiring module. */
public final class ServerClass {}
