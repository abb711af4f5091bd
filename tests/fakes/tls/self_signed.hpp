// A throw-away TLS identity for loopback test servers (the webhook receiver, the TLS ARI peer).
#pragma once

#include <string>
#include <string_view>

namespace ccapi::testtls {

struct SelfSignedPem {
    std::string certificate;  // also the CA file a client must trust
    std::string key;
};

// A self-signed P-256 certificate for IP 127.0.0.1, valid for a day; it is its own CA.
// Throws std::runtime_error when OpenSSL fails (a broken test environment).
SelfSignedPem selfSignedCertificate(std::string_view common_name);

}  // namespace ccapi::testtls
