package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The port check refuses only a port something listens on. */
class PortsTest {

  @Test
  void aListeningPortIsTakenAndNamedWithItsOption() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = listening.getLocalPort();
      assertThatThrownBy(() -> Ports.requireFree(port, "--dashboard-port"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "--dashboard-port: port "
                  + port
                  + " on 127.0.0.1 is already in use; choose another port");
    }
  }

  @Test
  void aPortLeftWithOnlyClosedConnectionsOfAStoppedServerIsFree() throws Exception {
    int port;
    // A server as the stages' servers bind (SO_REUSEADDR: the JDK's, Jetty's, Netty's and
    // PostgreSQL's listeners all set it), with connections it closed first: after it stops, the
    // port has sockets in TIME_WAIT for a minute and nothing listening.
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      port = server.getLocalPort();
      for (int i = 0; i < 3; i++) {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
            Socket accepted = server.accept()) {
          OutputStream out = accepted.getOutputStream();
          out.write('x');
          out.flush();
          accepted.close();
          InputStream in = client.getInputStream();
          in.readAllBytes();
        }
      }
    }
    int stopped = port;

    assertThatCode(() -> Ports.requireFree(stopped, "--dashboard-port")).doesNotThrowAnyException();
  }

  @Test
  void aPortOutOfRangeIsOneLine() {
    assertThatThrownBy(() -> Ports.requireFree(70000, "--pg-port"))
        .hasMessage("--pg-port: expected a TCP port between 1 and 65535, got 70000");
  }
}
