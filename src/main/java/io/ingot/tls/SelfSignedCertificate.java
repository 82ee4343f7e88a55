package io.ingot.tls;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A self-signed server certificate, made with Bouncy Castle's ASN.1 classes (bcprov; no bcpkix needed): an EC
 * P-256 key, the given DNS names and IP addresses as subject alternative names (so a client that trusts it as
 * a CA file also checks the host name), for server authentication only, valid ten years. Clients usually pin
 * its fingerprint instead.
 */
final class SelfSignedCertificate {
    static final Duration VALIDITY = Duration.ofDays(3650);

    private SelfSignedCertificate() { }

    /** A new key and certificate for {@code names} (DNS names or IP literals; the first is the common name). */
    static ServerIdentity create(List<String> names, Instant now) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = g.generateKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "ingot " + names.get(0)).build();
            AlgorithmIdentifier signature = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
            V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
            tbs.setSerialNumber(new ASN1Integer(new BigInteger(127, new SecureRandom())));
            tbs.setSignature(signature);
            tbs.setIssuer(subject);
            tbs.setSubject(subject);
            tbs.setStartDate(new Time(Date.from(now.minus(Duration.ofDays(1))))); // clocks of clients a little behind
            tbs.setEndDate(new Time(Date.from(now.plus(VALIDITY))));
            tbs.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
            ExtensionsGenerator ext = new ExtensionsGenerator();
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(altNames(names)));
            ext.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            ext.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            tbs.setExtensions(ext.generate());
            TBSCertificate body = tbs.generateTBSCertificate();
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keys.getPrivate());
            signer.update(body.getEncoded(ASN1Encoding.DER));
            ASN1EncodableVector cert = new ASN1EncodableVector();
            cert.add(body);
            cert.add(signature);
            cert.add(new DERBitString(signer.sign()));
            X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(new DERSequence(cert).getEncoded(ASN1Encoding.DER)));
            return new ServerIdentity(keys.getPrivate(), List.of(x509));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("making a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static GeneralName[] altNames(List<String> names) {
        List<GeneralName> out = new ArrayList<>();
        for (String n : new LinkedHashSet<>(names)) {
            String bare = n.startsWith("[") && n.endsWith("]") ? n.substring(1, n.length() - 1) : n;
            if (isAddress(bare)) {
                if (!anyLocal(bare)) out.add(new GeneralName(GeneralName.iPAddress, bare)); // 0.0.0.0 names no server
            }
            else if (bare.matches("[A-Za-z0-9.-]+")) out.add(new GeneralName(GeneralName.dNSName, bare));
        }
        return out.toArray(GeneralName[]::new);
    }

    private static boolean anyLocal(String address) {
        try {
            return InetAddress.getByName(address).isAnyLocalAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isAddress(String s) {
        if (!s.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) return false;
        try {
            InetAddress.getByName(s); // a literal: no lookup
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
