// A run's results as the Python layer reads them (shared by simulate and the
// conformance binding).
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include "cathedral/runner.hpp"

namespace cathedral::bindings {

Mode parse_mode(const std::string& mode);
// The dict of numpy arrays that cathedral.Results reads; the arrays take over r's buffers.
pybind11::dict result_to_dict(RunResult&& r, const std::string& mode);

}  // namespace cathedral::bindings
