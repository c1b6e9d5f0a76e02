package io.cdcplatform.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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

  /**
   * The local ports the kernel hands to outgoing connections. A server port inside it can be taken
   * between the check and the bind by any client socket, and by a client of that very port: a
   * connection to a loopback port nothing listens on yet may be given that port as its own and
   * connect to itself (TCP simultaneous open), which the brokers do while their controllers start.
   * The server then fails to bind, and the client reads its own request as the answer.
   */
  record OutgoingRange(int first, int last) {

    private static final Path LINUX = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /** Linux's default, when the machine does not say. */
    static final OutgoingRange LINUX_DEFAULT = new OutgoingRange(32_768, 60_999);

    static OutgoingRange ofThisMachine() {
      try {
        String[] bounds = Files.readString(LINUX).trim().split("\\s+");
        return new OutgoingRange(Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1]));
      } catch (IOException | RuntimeException unreadable) {
        return LINUX_DEFAULT;
      }
    }

    boolean contains(int port) {
      return port >= first && port <= last;
    }

    /** One line saying why a server port inside this range may fail to start, if it is inside. */
    Optional<String> warning(int port, String option) {
      if (!contains(port)) {
        return Optional.empty();
      }
      return Optional.of(
          option
              + ": port "
              + port
              + " lies in this machine's range for outgoing connections ("
              + first
              + "-"
              + last
              + "), where a client socket may take it before its server binds it; a port below "
              + first
              + " avoids that");
    }
  }
}
