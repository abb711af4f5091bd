#include "arisim/errors.hpp"

#include <string>

namespace ccapi::arisim {
namespace {

class Category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "arisim"; }
    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
            case Errc::kOk:
                return "ok";
            case Errc::kUniqueIdTooLong:
                return "Uniqueid length exceeds maximum of 149";
            case Errc::kEndpointRequired:
                return "Endpoint must be specified";
            case Errc::kOriginatorAndFormats:
                return "Originator and formats can't both be specified";
            case Errc::kInvalidEndpoint:
                return "Invalid endpoint specified";
            case Errc::kAppOrExtensionRequired:
                return "Application or extension must be specified";
            case Errc::kBadVariables:
                return "Only string values in the 'variables' object allowed";
            case Errc::kAllocationFailed:
                return "Allocation failed";
            case Errc::kChannelExists:
                return "Channel with given unique ID already exists";
            case Errc::kChannelNotFound:
                return "Channel not found";
            case Errc::kNotInStasis:
                return "Channel not in Stasis application";
            case Errc::kReasonAndCode:
                return "The reason and reason_code can't both be specified";
            case Errc::kInvalidReason:
                return "Invalid reason for hangup reason provided";
            case Errc::kInvalidReasonCode:
                return "Invalid reason for hangup reason code provided";
            case Errc::kVariableRequired:
                return "Variable name is required";
            case Errc::kVariableChannelNotFound:
                return "Provided channel was not found";
            case Errc::kVariableNotFound:
                return "Provided variable was not found";
            case Errc::kFunctionFailed:
                return "Unable to read provided function";
            case Errc::kApplicationNotFound:
                return "Application not found";
            case Errc::kBadRequestBody:
                return "Error parsing request body";
            case Errc::kLabelNotFound:
                return "Requested label can not be found";
        }
        return "unknown arisim error";
    }
};

}  // namespace

const boost::system::error_category& arisimCategory() {
    static const Category category;
    return category;
}

}  // namespace ccapi::arisim
