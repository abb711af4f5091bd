// Awaiting a create's group commit from an I/O thread without a pool thread waiting for it.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>

#include "core/async.hpp"
#include "storage/stores.hpp"

namespace ccapi::api {

// CallStore::createQueued as an awaitable: resumes the caller on its own executor with what
// CallStore::create would have returned. A batch that this create has to lead runs on `pool`.
//
// As offload() (and for the same GCC 12 reason, docs/adr/0002): `create` is taken by reference,
// moved once onto the heap here, and passes through Asio's initiation as a raw pointer.
inline auto committedCreate(storage::CallStore& store, BlockingPool& pool,
                            storage::NewCall&& create) {
    using storage::CreateResult;
    auto initiation = [&store, &pool](auto handler, storage::NewCall* raw_create) {
        std::unique_ptr<storage::NewCall> owned(raw_create);
        // CreateDone is a std::function, so copyable; the handler is not.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto done = [shared](Result<CreateResult> result) {
            auto executor = asio::get_associated_executor(*shared);
            asio::post(executor, [shared, result = std::move(result)]() mutable {
                std::move (*shared)(std::move(result));
            });
        };
        auto run_lead = [executor = pool.executor()](std::function<void()> work) {
            asio::post(executor, std::move(work));
        };
        store.createQueued(std::move(*owned), std::move(done), std::move(run_lead));
    };
    auto* raw_create = new storage::NewCall(std::move(create));
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<CreateResult>)>(
        std::move(initiation), asio::use_awaitable, raw_create);
}

}  // namespace ccapi::api
