package io.cdcplatform.dashboard;

/** A request the API cannot answer: the message names the parameter and what was expected. */
final class BadRequest extends RuntimeException {

  BadRequest(String message) {
    super(message);
  }

  /** A whole-number query parameter within bounds, or its default when absent. */
  static int intParam(String name, String value, int fallback, int min, int max) {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      int number = Integer.parseInt(value.strip());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadRequest(
        name + ": expected a whole number from " + min + " to " + max + ", got \"" + value + "\"");
  }
}
