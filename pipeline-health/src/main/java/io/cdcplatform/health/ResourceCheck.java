package io.cdcplatform.health;

/** Judges an operator's custom resource: Ready, and acted on at its current generation. */
final class ResourceCheck {

  private ResourceCheck() {}

  /** The failing condition of a referenced resource that does not exist, else null. */
  static Condition missing(Stage stage, ResourceReadiness resource) {
    if (resource == null || resource.exists()) {
      return null;
    }
    return Condition.failing(
        stage, Reason.RESOURCE_MISSING, resource.reference() + " does not exist");
  }

  /** The failing condition the resource causes, or null when it is ready and current. */
  static Condition failure(Stage stage, ResourceReadiness resource) {
    if (resource == null) {
      return null;
    }
    Condition missing = missing(stage, resource);
    if (missing != null) {
      return missing;
    }
    if (resource.observedGeneration() < resource.generation()) {
      return Condition.failing(
          stage,
          Reason.GENERATION_NOT_OBSERVED,
          resource.reference()
              + " is at generation "
              + resource.generation()
              + " but its operator has only observed "
              + resource.observedGeneration());
    }
    if (!resource.ready()) {
      return Condition.failing(
          stage,
          Reason.RESOURCE_NOT_READY,
          resource.reference()
              + " is not Ready"
              + (resource.message().isEmpty() ? "" : ": " + resource.message()));
    }
    return null;
  }
}
