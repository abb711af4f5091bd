// A synchronous Server-Sent Events client for event-stream tests: open the stream with headers,
// then read it frame by frame (events and `:` comments) under a deadline. Header-only, on top of
// RawConnection.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fakes/http/raw_connection.hpp"

namespace ccapi::testhttp {

// One frame of the stream: an event (id/event/data fields) or a comment line.
struct SseFrame {
    std::optional<std::int64_t> id;
    std::string event;
    std::string data;
    std::optional<std::string> comment;  // set for a ": …" frame
};

// Owned by one test; not for concurrent use.
class SseClient {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

    SseClient(std::string host, std::uint16_t port) : connection_(std::move(host), port) {}

    // Connects, sends GET `target` with `headers` and reads the response head (status and
    // headers only: the body is the stream).
    Result<Response> open(std::string_view target, const HeaderList& headers = {},
                          std::chrono::milliseconds timeout = kDefaultTimeout) {
        if (auto c = connection_.connect(timeout); !c) return c.error();
        std::string request = "GET " + std::string(target) +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
        for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
        request += "\r\n";
        if (auto s = connection_.send(request, timeout); !s) return s.error();
        auto head = connection_.readUntil("\r\n\r\n", timeout);
        if (!head) return head.error();
        Response response;
        std::string_view text = *head;
        auto line_end = text.find("\r\n");
        std::string_view status_line = text.substr(0, line_end);
        // "HTTP/1.1 200 OK"
        auto first_space = status_line.find(' ');
        auto second_space = status_line.find(' ', first_space + 1);
        auto code = status_line.substr(first_space + 1, second_space - first_space - 1);
        std::from_chars(code.data(), code.data() + code.size(), response.status);
        if (second_space != std::string_view::npos) {
            response.reason = std::string(status_line.substr(second_space + 1));
        }
        text.remove_prefix(line_end + 2);
        while (!text.empty()) {
            auto end = text.find("\r\n");
            auto line = text.substr(0, end);
            text.remove_prefix(end == std::string_view::npos ? text.size() : end + 2);
            if (line.empty()) break;
            auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            response.headers.add(std::string(line.substr(0, colon)), std::string(value));
        }
        return response;
    }

    // The next frame, comments included.
    Result<SseFrame> next(std::chrono::milliseconds timeout = kDefaultTimeout) {
        auto block = connection_.readUntil("\n\n", timeout);
        if (!block) return block.error();
        SseFrame frame;
        std::string_view text = *block;
        while (!text.empty()) {
            auto end = text.find('\n');
            auto line = text.substr(0, end);
            text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
            if (line.empty()) continue;
            if (line.front() == ':') {
                auto comment = line.substr(1);
                if (!comment.empty() && comment.front() == ' ') comment.remove_prefix(1);
                frame.comment = std::string(comment);
                continue;
            }
            auto colon = line.find(':');
            auto field = line.substr(0, colon);
            auto value =
                colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (field == "id") {
                std::int64_t id = 0;
                std::from_chars(value.data(), value.data() + value.size(), id);
                frame.id = id;
            } else if (field == "event") {
                frame.event = std::string(value);
            } else if (field == "data") {
                if (!frame.data.empty()) frame.data += "\n";
                frame.data += std::string(value);
            }
        }
        return frame;
    }

    // The next event, skipping comments (pings).
    Result<SseFrame> nextEvent(std::chrono::milliseconds timeout = kDefaultTimeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto frame = next(std::max(left, std::chrono::milliseconds(0)));
            if (!frame || !frame->comment) return frame;
        }
    }

    // True when the server ends the stream before the deadline (what it sent meanwhile is
    // discarded).
    bool waitClosed(std::chrono::milliseconds timeout = kDefaultTimeout) {
        return connection_.waitClosed(timeout);
    }

    void close() { connection_.close(); }
    RawConnection& connection() { return connection_; }

private:
    RawConnection connection_;
};

}  // namespace ccapi::testhttp
