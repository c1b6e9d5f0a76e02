package io.cdcplatform.ingest;

/** A failure the user can act on; its message is the one line the job prints before exiting. */
public final class IngestException extends Exception {

  public IngestException(String message) {
    super(message);
  }

  public IngestException(String message, Throwable cause) {
    super(message, cause);
  }
}
