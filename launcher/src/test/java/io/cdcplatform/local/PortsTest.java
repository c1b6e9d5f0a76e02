package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

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

  @Test
  void everyDefaultPortLiesBelowLinuxsRangeForOutgoingConnections() {
    // Inside the range, a broker connecting to a controller that does not listen yet was given the
    // controller's own port and connected to itself: the controller could not bind (restarted for
    // 77 s) and another broker read its own request as the answer and stopped.
    List<String> inside = new ArrayList<>();
    List<String> checked = new ArrayList<>();
    for (OptionSpec option : new CommandLine(new LocalPipeline()).getCommandSpec().options()) {
      if (!option.longestName().endsWith("-port")) {
        continue;
      }
      String spelled = option.defaultValue();
      int port =
          Integer.parseInt(spelled.substring(spelled.indexOf(":-") + 2, spelled.length() - 1));
      List<Integer> ports =
          option.longestName().equals("--kafka-port")
              ? List.of(port, port + 1, port + 2, port + 100, port + 101, port + 102)
              : List.of(port);
      for (int each : ports) {
        checked.add(option.longestName() + " " + each);
        Ports.OutgoingRange.LINUX_DEFAULT
            .warning(each, option.longestName())
            .ifPresent(inside::add);
      }
    }
    assertThat(checked).hasSize(11);
    assertThat(inside).isEmpty();
  }

  @Test
  void aPortInsideTheRangeIsWarnedOfInOneLineAndOneOutsideIsNot() {
    Ports.OutgoingRange range = new Ports.OutgoingRange(32768, 60999);

    assertThat(range.warning(59194, "--kafka-port"))
        .contains(
            "--kafka-port: port 59194 lies in this machine's range for outgoing connections"
                + " (32768-60999), where a client socket may take it before its server binds it;"
                + " a port below 32768 avoids that");
    assertThat(range.warning(32768, "--pg-port")).isPresent();
    assertThat(range.warning(60999, "--pg-port")).isPresent();
    assertThat(range.warning(32767, "--pg-port")).isEmpty();
    assertThat(range.warning(61000, "--pg-port")).isEmpty();
  }

  @Test
  void thisMachinesRangeIsReadFromTheKernel() {
    Ports.OutgoingRange range = Ports.OutgoingRange.ofThisMachine();

    assertThat(range.first()).isPositive().isLessThanOrEqualTo(range.last());
    assertThat(range.last()).isLessThanOrEqualTo(65535);
  }
}
