package io.stele.archfixture.engine;

/** Breaks "engine imports no Netty". */
public final class EngineUsingNetty {
  public io.netty.buffer.ByteBuf buffer;
}
