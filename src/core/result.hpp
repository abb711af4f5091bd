// Result type for expected failures: a value or an error_code (errors as values at boundaries).
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace ccapi {

template <class T>
using Result = boost::system::result<T, boost::system::error_code>;

using ErrorCode = boost::system::error_code;

}  // namespace ccapi
