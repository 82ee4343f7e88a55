package io.ingot.fleet;

import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/** The embedded broker's one user: {@value FleetNames#USER}, whose password is the daemon's API token. */
final class TokenSecurity implements ActiveMQSecurityManager {
    private final byte[] token;

    TokenSecurity(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean validateUser(String user, String password) {
        return FleetNames.USER.equals(user) && password != null
                && MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), token);
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        return validateUser(user, password);
    }
}
