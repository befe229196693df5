package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP face of a real 3-node cluster: followers redirect to the leader, /v1/cluster and /readyz
 * tell the truth, and a leader that lost its majority stops serving (503 no-leader).
 */
class ClusterRoutingTest {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private HttpResponse<String> send(final HttpRequest.Builder b) throws Exception {
    return http.send(
        b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldRedirectToTheLeaderAndStopServingWithoutAMajority() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir.resolve("c"), 3, 7)) {
      try {
        cluster.startAll();
        cluster.awaitConverged(Duration.ofSeconds(30));
        final int leader = cluster.readyLeader();
        final int follower = leader % 3 + 1;
        for (int n = 1; n <= 3; n++) {
          assertEquals(
              200,
              send(HttpRequest.newBuilder(URI.create(cluster.base(n) + "/readyz"))).statusCode());
        }
        final String view = cluster.clusterJson(follower);
        assertTrue(view.contains("\"role\":\"follower\""), view);
        assertTrue(view.contains("\"leaderUrl\":\"" + cluster.base(leader) + "\""), view);

        // a write to a follower is redirected, method and body kept by the client
        final HttpResponse<String> redirect =
            send(
                HttpRequest.newBuilder(URI.create(cluster.base(follower) + "/v1/topics/r"))
                    .PUT(HttpRequest.BodyPublishers.noBody()));
        assertEquals(307, redirect.statusCode());
        final String location = redirect.headers().firstValue("location").orElseThrow();
        assertEquals(cluster.base(leader) + "/v1/topics/r", location);
        final HttpResponse<String> created =
            send(
                HttpRequest.newBuilder(URI.create(location))
                    .PUT(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, created.statusCode(), created.body());
        final HttpResponse<String> produced =
            send(
                HttpRequest.newBuilder(
                        URI.create(cluster.base(leader) + "/v1/topics/r/records?durability=quorum"))
                    .POST(HttpRequest.BodyPublishers.ofString("one")));
        assertEquals(200, produced.statusCode(), produced.body());
        assertTrue(produced.body().contains("\"durability\":\"quorum\""), produced.body());
        // reads too: a follower never serves the log itself
        assertEquals(
            307,
            send(HttpRequest.newBuilder(
                    URI.create(cluster.base(follower) + "/v1/topics/r/partitions/0/records")))
                .statusCode());

        // membership changes refused for what they would break, with the reason
        final HttpResponse<String> again =
            cluster.call("POST", follower, "/v1/cluster/voters/" + follower);
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("already a voter"), again.body());
        final HttpResponse<String> self =
            cluster.call("DELETE", follower, "/v1/cluster/voters/" + leader);
        assertEquals(409, self.statusCode(), self.body());
        assertTrue(self.body().contains("this node leads"), self.body());
        assertEquals(400, cluster.call("DELETE", leader, "/v1/cluster/voters/x").statusCode());
        assertEquals(400, cluster.call("POST", leader, "/v1/cluster/voters/9").statusCode());
        assertEquals(405, cluster.call("PUT", leader, "/v1/cluster/voters/1").statusCode());

        // without a majority the leader steps down (check-quorum): not ready, no writes
        for (int n = 1; n <= 3; n++) {
          if (n != leader) {
            cluster.kill(n);
          }
        }
        cluster.await(
            "the lone node to report not ready",
            Duration.ofSeconds(20),
            () -> {
              try {
                return send(HttpRequest.newBuilder(URI.create(cluster.base(leader) + "/readyz")))
                        .statusCode()
                    == 503;
              } catch (final Exception e) {
                return false;
              }
            });
        final HttpResponse<String> refused =
            send(
                HttpRequest.newBuilder(
                        URI.create(cluster.base(leader) + "/v1/topics/r/records?durability=quorum"))
                    .POST(HttpRequest.BodyPublishers.ofString("two")));
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("problems/no-leader"), refused.body());
        assertEquals("1", refused.headers().firstValue("retry-after").orElse(""));
      } catch (final AssertionError | Exception e) {
        throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
      }
    }
  }
}
