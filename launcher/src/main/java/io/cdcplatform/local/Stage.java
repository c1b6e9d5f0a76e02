package io.cdcplatform.local;

/**
 * A part of the local pipeline (a process such as PostgreSQL or a broker, or a service of the
 * launcher such as the health monitor). The launcher is a list of them: it starts each in turn,
 * each ready before the next, and stops those it started in reverse order.
 */
interface Stage {

  /** What the console calls it. */
  String name();

  /** Starts it and returns once it is ready for the next stage; throws when it cannot be. */
  void start() throws Exception;

  /** Stops it and what it started; never throws for a stage that is already gone. */
  void stop() throws InterruptedException;

  /** How a stage starts. */
  interface Start {
    void run() throws Exception;
  }

  /** How a stage stops. */
  interface Stop {
    void run() throws InterruptedException;
  }

  /** A stage of these two steps. */
  static Stage of(String name, Start start, Stop stop) {
    return new Stage() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void start() throws Exception {
        start.run();
      }

      @Override
      public void stop() throws InterruptedException {
        stop.run();
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }
}
