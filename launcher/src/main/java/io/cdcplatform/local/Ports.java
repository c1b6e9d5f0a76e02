package io.cdcplatform.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks that the ports the local pipeline wants are free before anything starts. */
final class Ports {

  private Ports() {}

  /**
   * Fails with one line naming the option when the port is taken on loopback.
   *
   * @param option the option (and environment variable) that sets the port
   */
  static void requireFree(int port, String option) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          option + ": expected a TCP port between 1 and 65535, got " + port);
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + ": port " + port + " on 127.0.0.1 is already in use; choose another port");
    }
  }
}
