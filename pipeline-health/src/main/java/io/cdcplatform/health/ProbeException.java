package io.cdcplatform.health;

/** A probe could not observe its stage; the message names the endpoint and what went wrong. */
public final class ProbeException extends RuntimeException {

  public ProbeException(String message) {
    super(message);
  }
}
