package io.cdcplatform.devservices;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Runs another main class, and exits (running its shutdown hooks, so it stops cleanly) as soon as
 * the process that started it is gone. A launcher killed with SIGKILL cannot stop its children;
 * this way they stop themselves.
 *
 * <p>Usage: {@code java -cp ... io.cdcplatform.devservices.OrphanGuard MAIN_CLASS [ARGS...]}
 */
public final class OrphanGuard {

  private static final int HALT_AFTER_SECONDS = 15;

  private OrphanGuard() {}

  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      System.err.println("OrphanGuard: expected the main class to run, and its arguments");
      System.exit(2);
    }
    ProcessHandle parent =
        ProcessHandle.current()
            .parent()
            .orElseThrow(() -> new IllegalStateException("no parent process"));
    daemon("orphan-guard", () -> watch(parent));
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void watch(ProcessHandle parent) {
    while (parent.isAlive()) {
      try {
        TimeUnit.MILLISECONDS.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
    }
    System.err.println("OrphanGuard: parent process " + parent.pid() + " is gone; stopping");
    // A clean shutdown can wait forever for peers that are stopping too (a Kafka node for its
    // quorum): give it a bounded time, then halt.
    daemon(
        "orphan-guard-halt",
        () -> {
          try {
            TimeUnit.SECONDS.sleep(HALT_AFTER_SECONDS);
          } catch (InterruptedException e) {
            return;
          }
          Runtime.getRuntime().halt(137);
        });
    System.exit(143);
  }

  // Java 17 bytecode (the Flink job's tests use this module): no Thread builders.
  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }
}
