// The bounded worker pool behind server::runner(): N std::threads and a bounded FIFO of tasks.
// A task offered when the queue is full, or after stop(), is refused (post returns false).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace amphora::server::detail {

class worker_pool {
 public:
  worker_pool(unsigned threads, std::size_t queue_limit);
  ~worker_pool();  // stop()
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  // Queues the task; false (and the task is dropped unrun) when the queue is full or stopping.
  bool post(std::function<void()> task);
  // Refuses new tasks, lets running ones finish, drops queued ones, joins the threads. Idempotent.
  void stop();

 private:
  void work();

  std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace amphora::server::detail
