#include "unit/events/stream_server.hpp"

#include <sstream>
#include <stdexcept>
#include <thread>

namespace ccapi::events::testing {

StreamServer::StreamServer(StreamServerOptions options) {
    auth::TokenOptions token_options;
    token_options.secret = "events-test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
    token_options.access_ttl = options.access_ttl;
    auto tokens = auth::TokenService::create(token_options, clock_);
    if (!tokens) throw std::runtime_error("tokens: " + tokens.error().message());
    tokens_ = std::make_unique<auth::TokenService>(std::move(*tokens));
    revocations_ = std::make_unique<auth::RevocationCache>(clock_);
    authenticator_ = std::make_unique<api::Authenticator>(*tokens_, *revocations_, store_.db(),
                                                          blocking_, clock_);
    io_ = std::make_unique<IoPool>(2);
    feed_ = std::make_unique<EventFeed>(io_->context(0).get_executor(), store_.calls(), blocking_,
                                        hub_);
    EventsApiOptions api_options;
    api_options.ping_interval = options.ping_interval;
    api_options.queue_limit = options.queue_limit;
    api_options.allowed_origins = options.allowed_origins;
    api_ = std::make_unique<EventsApi>(
        EventsApiDeps{*authenticator_, hub_, store_.calls(), blocking_, registry_, clock_},
        api_options);
    routing::Router router;
    api_->registerRoutes(router);
    routing::PipelineOptions pipeline_options;
    pipeline_options.cors.allowed_origins = options.allowed_origins;
    pipeline_ = std::make_unique<routing::Pipeline>(std::move(router), pipeline_options, nullptr);
    http::ServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    server_ = std::make_unique<http::Server>(*io_, server_options, *pipeline_);
    if (auto started = server_->start(); !started) {
        throw std::runtime_error("listen: " + started.error().message());
    }
    spawn(feed_->executor(), feed_->run(), "event-feed");
    io_->start();
    for (int i = 0; i < 1000 && !feed_->started(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!feed_->started()) throw std::runtime_error("the event feed did not start");
}

StreamServer::~StreamServer() {
    api_->closeAll();
    feed_->stop();
    io_->stop();
    io_->join();
    blocking_.join();
}

std::string StreamServer::token(const std::string& username) {
    auto issued = tokens_->issue(username, auth::TokenType::kAccess);
    if (!issued) throw std::runtime_error("issue: " + issued.error().message());
    return issued->token;
}

double StreamServer::metric(const std::string& series) const {
    std::istringstream text(registry_.render());
    std::string line;
    while (std::getline(text, line)) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

}  // namespace ccapi::events::testing
