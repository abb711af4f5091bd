#include "auth/errors.hpp"

#include <string>

namespace ccapi::auth {
namespace {

class AuthCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ccapi.auth"; }

    std::string message(int ev) const override {
        switch (static_cast<AuthErrc>(ev)) {
            case AuthErrc::kMalformedToken:
                return "malformed token";
            case AuthErrc::kBadSignature:
                return "bad token signature";
            case AuthErrc::kAlgNone:
                return "unsigned token (alg none)";
            case AuthErrc::kWrongAlgorithm:
                return "token algorithm not accepted";
            case AuthErrc::kExpired:
                return "token expired";
            case AuthErrc::kNotYetValid:
                return "token not yet valid";
            case AuthErrc::kWrongTokenType:
                return "wrong token type";
            case AuthErrc::kWrongIssuer:
                return "wrong token issuer";
            case AuthErrc::kWrongAudience:
                return "wrong token audience";
            case AuthErrc::kMissingClaim:
                return "token claim missing or invalid";
            case AuthErrc::kHashFailed:
                return "password hashing failed";
            case AuthErrc::kBadConfiguration:
                return "bad auth configuration";
        }
        return "unknown auth error";
    }
};

}  // namespace

const boost::system::error_category& authCategory() {
    static const AuthCategory category;
    return category;
}

}  // namespace ccapi::auth
