package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A login kept in a Secret of the pipeline's namespace: the part every such reference shares, which
 * keys of the Secret hold the user name and the password. Each use names its Secret itself ({@code
 * credentialsSecret}), saying whose login it is.
 */
public abstract class SecretLogin {

  @JsonPropertyDescription("Key of the user name in credentialsSecret. Default username.")
  private String usernameKey = "username";

  @JsonPropertyDescription("Key of the password in credentialsSecret. Default password.")
  private String passwordKey = "password";

  public String getUsernameKey() {
    return usernameKey;
  }

  public void setUsernameKey(String usernameKey) {
    this.usernameKey = usernameKey;
  }

  public String getPasswordKey() {
    return passwordKey;
  }

  public void setPasswordKey(String passwordKey) {
    this.passwordKey = passwordKey;
  }
}
