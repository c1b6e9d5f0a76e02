package io.cdcplatform.source;

/** The source cannot be set up as the definition needs; the message is one line saying why. */
public final class SourceSetupException extends Exception {

  private static final long serialVersionUID = 1L;

  public SourceSetupException(String message) {
    super(message, null, false, false);
  }
}
