// The load generators' view of an HTTP/1.1 response in a read buffer (amphora loadgen and
// amphora msgload): whether it is complete, its status, and where its header and body end.
// Only what `amphora serve` sends is understood: a Content-Length body, no chunked encoding.
#pragma once

#include <cstddef>
#include <string_view>

namespace amphora::cli {

struct response_frame {
  enum { incomplete, complete, bad } state = incomplete;
  unsigned status = 0;
  std::size_t header_size = 0;
  std::size_t total_size = 0;
};

// The first response at the start of `data`. A header over 64 KiB, a missing Content-Length or a
// body over `max_body` is bad.
response_frame frame(std::string_view data, std::size_t max_body);

}  // namespace amphora::cli
