// The run monitor every long engine call gets: called from the calling thread
// while the workers run (GIL released), it takes the GIL, turns Ctrl-C into
// a cancelled run and reports progress to an optional Python callable. A
// Python error raised there is kept and rethrown by rethrow_if_cancelled.
#pragma once

#include <optional>

#include <pybind11/pybind11.h>

#include "cathedral/runner.hpp"

namespace cathedral::bindings {

class PythonMonitor {
 public:
  explicit PythonMonitor(pybind11::object progress) : progress_(std::move(progress)) {}
  RunMonitor monitor() {
    return [this](double done) {
      pybind11::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        error_.emplace();
        return false;
      }
      if (!progress_.is_none()) {
        try {
          progress_(done);
        } catch (pybind11::error_already_set& e) {
          error_.emplace(std::move(e));
          return false;
        }
      }
      return true;
    };
  }
  // After RunCancelled: the Python error that cancelled the run, if any.
  void rethrow_if_cancelled() {
    if (error_) throw std::move(*error_);
  }
  // run(monitor) with the GIL released; a run cancelled from Python rethrows the Python error.
  template <class Run>
  auto run(Run&& body) {
    const RunMonitor watch = monitor();
    try {
      pybind11::gil_scoped_release release;
      return body(watch);
    } catch (const RunCancelled&) {
      rethrow_if_cancelled();
      throw;
    }
  }
  void finished() {
    if (!progress_.is_none()) progress_(1.0);
  }

 private:
  pybind11::object progress_;
  std::optional<pybind11::error_already_set> error_;
};

}  // namespace cathedral::bindings
