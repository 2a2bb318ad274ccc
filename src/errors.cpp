#include <csp/errors.hpp>

namespace csp {
namespace {

std::string cause_text(const std::exception_ptr& cause) {
  try {
    std::rethrow_exception(cause);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

std::string channel_text(const std::string& channel) {
  return channel.empty() ? std::string("a channel") : "channel '" + channel + "'";
}

}  // namespace

poisoned::poisoned(std::string channel, std::size_t guard)
    : channel_error(channel.starts_with("(") ? "poisoned: " + channel
                                             : channel_text(channel) + " is poisoned",
                    channel, guard) {}

retired::retired(std::string channel, std::size_t guard, const char* why)
    : channel_error(channel_text(channel) + " has retired" + (why ? std::string(": ") + why : std::string()),
                    channel, guard) {}

process_error::process_error(std::string process, std::exception_ptr cause)
    : error("process '" + process + "' failed: " + cause_text(cause)),
      process_(std::move(process)),
      cause_(std::move(cause)) {}

codec_error::codec_error(std::string type, std::string reason, const char* doing)
    : error("cannot " + std::string(doing) + " " + type + ": " + reason),
      type_(std::move(type)),
      reason_(std::move(reason)) {}

device_error::device_error(std::string call, int code, const std::string& name, const std::string& text)
    : error(call + " failed: " + name + ": " + text), call_(std::move(call)), code_(code) {}

}  // namespace csp
