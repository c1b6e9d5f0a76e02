package io.cdcplatform.pipeline;

/** A pipeline definition that cannot be used; the message is one line naming where and what. */
public final class DefinitionException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public DefinitionException(String message) {
    super(message);
  }
}
