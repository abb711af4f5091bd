// Network plumbing shared by the REST pool and the event socket: resolving ARI's host under a
// deadline and describing transport errors for logs and lastError().
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "ari/url.hpp"
#include "core/async.hpp"
#include "core/result.hpp"

namespace ccapi::ari {

using SteadyTime = std::chrono::steady_clock::time_point;

// IP literals need no lookup; names go through the resolver, cancelled at `deadline` (a hung
// DNS server must not outlive the request's deadline).
Task<Result<std::vector<asio::ip::tcp::endpoint>>> resolveEndpoint(AriEndpoint endpoint,
                                                                   SteadyTime deadline);

// "Connection refused", or "no answer within 5000 ms" for Beast's timeout.
std::string describe(const ErrorCode& ec, std::chrono::milliseconds timeout);

}  // namespace ccapi::ari
