#include "storage/errors.hpp"

#include <string>

namespace ccapi::storage {

namespace {

class StorageCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ccapi.storage"; }

    std::string message(int value) const override {
        switch (static_cast<StorageErrc>(value)) {
            case StorageErrc::kUnavailable:
                return "database unavailable";
            case StorageErrc::kConflict:
                return "conflicts with an existing record";
            case StorageErrc::kNotMigrated:
                return "database schema is not migrated";
            case StorageErrc::kSchemaTooNew:
                return "database schema is newer than this binary";
            case StorageErrc::kQueryFailed:
                return "database query failed";
            case StorageErrc::kBadUrl:
                return "database URL not understood";
        }
        return "unknown storage error";
    }
};

}  // namespace

const boost::system::error_category& storageCategory() {
    static const StorageCategory category;
    return category;
}

}  // namespace ccapi::storage
