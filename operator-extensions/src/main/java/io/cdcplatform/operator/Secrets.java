package io.cdcplatform.operator;

import io.cdcplatform.health.ProbeException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The Secrets a CdcPipeline names, read when needed; a missing one or key is named. */
final class Secrets {

  private Secrets() {}

  static Secret get(KubernetesClient client, String namespace, String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new ProbeException("Secret " + namespace + "/" + name + " does not exist");
    }
    return secret;
  }

  static String value(Secret secret, String key) {
    String encoded = secret.getData() == null ? null : secret.getData().get(key);
    if (encoded == null) {
      throw new ProbeException("Secret " + secret.getMetadata().getName() + " has no key " + key);
    }
    return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
  }
}
